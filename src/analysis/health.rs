//! How healthy something looks, as one word. The UI picks colours from it; the analysis decides it.

/// The health of a pod, workload or any row, from best to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// Working as intended.
    Ok,
    /// Finished successfully (a completed Job pod).
    Completed,
    /// Not known (a node that stopped reporting).
    #[default]
    Unknown,
    /// On its way: scheduling, pulling, initialising.
    Pending,
    /// Works, but something needs a look (not ready, terminating, restarts).
    Warning,
    /// Broken.
    Error,
}
