//! cluster layer
