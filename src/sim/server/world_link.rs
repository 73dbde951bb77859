//! The one place the server touches the simulated world: the scenario it loads and the controllers'
//! reconcile it runs after every write.
pub use crate::sim::world::{Scenario, reconcile};
