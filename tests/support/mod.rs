//! Shared by the end-to-end tests: a pseudo-terminal harness and the in-process simulated cluster.
#![allow(dead_code)]
pub mod cluster;
pub mod pty;
