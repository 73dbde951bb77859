//! git layer
