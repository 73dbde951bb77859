//! app layer
