//! `f` in the network wizard: say where the traffic comes from. A one-line input takes the same forms as
//! `mosaic diagnose --from`; Enter re-runs the steps for that source and shows the NetworkPolicy step.
use super::msg::Effect;
use super::state::{Mode, PromptPurpose, PromptState, State};
use super::wizard::Stage;
use crate::analysis::network::{Peer, SOURCE_FORMS, StepId, parse_source, source_flag};

/// Open the input on the current source (the report's, which is the namespace's pods by default).
pub fn open(state: &mut State) {
    let Some(pane) = &state.wizard.pane else { return };
    let Stage::Done(run) = &pane.stage else {
        state.flash("The traffic source can be set once the steps are done", true);
        return;
    };
    let current = pane.source.clone().unwrap_or_else(|| run.report.source.clone());
    state.mode = Mode::Prompt(PromptState {
        title: "Where does the traffic come from?".to_string(),
        hint: format!("{SOURCE_FORMS}. Enter re-runs the NetworkPolicy check for it; Esc keeps the current one."),
        input: source_flag(&current),
        purpose: PromptPurpose::WizardSource,
    });
}

/// Enter in the input: a malformed source keeps the input open and says what is wrong.
pub fn on_submit(state: &mut State, input: &str, effects: &mut Vec<Effect>) {
    let source = match parse_source(input) {
        Ok(source) => source,
        Err(why) => return state.flash(why, true),
    };
    state.mode = Mode::Normal;
    let Some(pane) = &mut state.wizard.pane else { return };
    // The namespace's own pods are the default: keep the title short for them.
    let default = matches!(&source, Peer::AnyPodIn { namespace } if *namespace == pane.namespace);
    pane.source = (!default).then_some(source);
    pane.focus = Some(StepId::NetworkPolicies);
    super::wizard::rerun(state, effects);
}
