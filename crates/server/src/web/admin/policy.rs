//! The guardrail policy: for each kind of action the agents propose, whether it runs, waits for
//! a human, or may not happen; and the discount agents may give without approval. Signing
//! contracts and moving money stay forbidden whatever is posted.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domain::action::ActionKind;
use domain::guardrail_policy::{GuardrailPolicyPatch, PolicyMode};
use serde_json::{Map, Value, json};

use super::{
    AdminSection, Field, FormSpec, Notice, Section, answer, parse, posted, problem, when, write_ctx,
};
use crate::state::AppState;
use crate::web::server_error;
use crate::web::session::Signed;

const HERE: &str = "/admin/guardrails";

fn describe(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::SendEmail => "Send an email",
        ActionKind::PostChat => "Post a chat message",
        ActionKind::CreateTask => "Create a task",
        ActionKind::MoveStage => "Move a deal's stage",
        ActionKind::Handoff => "Hand work to another agent",
        ActionKind::AddContact => "Add a contact",
        ActionKind::OfferDiscount => "Offer a discount",
        ActionKind::SignContract => "Sign a contract (humans only)",
        ActionKind::MoveMoney => "Move money (humans only)",
    }
}

fn human_only(kind: ActionKind) -> bool {
    matches!(kind, ActionKind::SignContract | ActionKind::MoveMoney)
}

/// The section, for the console's shared handlers.
pub struct Policy;

impl AdminSection for Policy {
    const HERE: &'static str = HERE;

    async fn render(
        state: &AppState,
        signed: &Signed,
        status: StatusCode,
        notice: Option<&'static str>,
        error: Option<String>,
    ) -> Response {
        let policy = match state.store.guardrail_policy(signed.tenant).await {
            Ok(policy) => policy,
            Err(e) => return server_error(&e.to_string()),
        };
        let mut section = Section::new(
            signed,
            HERE,
            "What the agents may do on their own. Whatever waits for approval lands in the approvals \
             inbox with the agent's reasoning; closing decisions, contracts and payments stay human.",
        );
        section.notice = notice;
        section.error = error;
        section.facts.push((
            "Last changed".into(),
            policy
                .updated_at
                .map_or_else(|| "never (defaults)".to_owned(), when),
        ));
        let modes = |kind: ActionKind| {
            PolicyMode::ALL
                .iter()
                .filter(move |m| !human_only(kind) || **m == PolicyMode::Forbid)
                .map(|m| {
                    let label = match m {
                        PolicyMode::Execute => "runs on its own",
                        PolicyMode::RequireApproval => "waits for a human",
                        PolicyMode::Forbid => "forbidden",
                    };
                    (m.as_str().to_owned(), label.to_owned())
                })
        };
        let mut fields: Vec<Field> = ActionKind::ALL
            .iter()
            .map(|kind| {
                Field::select(
                    kind.as_str(),
                    describe(*kind),
                    modes(*kind),
                    policy.mode(*kind).as_str(),
                )
            })
            .collect();
        fields.push(
            Field::number(
                "auto_discount_max_percent",
                "Discount agents may give without approval (%)",
            )
            .value(policy.auto_discount_max_percent.to_string())
            .hint(
                "Only when offering a discount runs on its own, and only with nothing else given away.",
            ),
        );
        section.forms.push(FormSpec {
            id: "policy",
            title: "Policy".into(),
            action: HERE.into(),
            submit: "Save policy".into(),
            fields,
        });
        section.respond(status)
    }
}

/// `POST /admin/guardrails`: every mode and the discount limit, checked as the API checks them.
pub async fn save(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (signed, form) = match posted(&state, &headers, &body).await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let mut modes = Map::new();
    for kind in ActionKind::ALL {
        if let Some(mode) = form.optional(kind.as_str()) {
            modes.insert(kind.as_str().to_owned(), Value::String(mode.to_owned()));
        }
    }
    let input = json!({
        "modes": modes,
        "auto_discount_max_percent": form.get("auto_discount_max_percent"),
    });
    let result = match parse::<GuardrailPolicyPatch>(input) {
        Ok(patch) => state
            .store
            .update_guardrail_policy(&write_ctx(&signed), None, |p| patch.apply(p))
            .await
            .map(|_| ())
            .map_err(problem),
        Err(failed) => Err(failed),
    };
    answer::<Policy>(&state, &signed, result, Notice::Saved).await
}
