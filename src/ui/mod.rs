//! ui layer
