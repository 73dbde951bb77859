//! action layer
