//! An action's two faces written down for assertions and snapshots: the plan it shows, and the query of the
//! request it sends.
use std::collections::BTreeMap;

use mosaic::action::Plan;

/// What a plan shows, for snapshots: the kubectl line, its summary and danger, and the can-i line it needs.
pub fn shown(plan: &Plan) -> String {
    format!(
        "{}\nsummary: {}\ndanger: {:?}\nmutating: {}\nneeds: {}",
        plan.command,
        plan.summary,
        plan.danger,
        plan.mutating,
        plan.permission.can_i_command("sim-admin")
    )
}

/// A request's expected query parameters.
pub fn query(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
