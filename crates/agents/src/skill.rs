//! Skills: named, typed units of an agent's work. A skill has an input type and an output type
//! (with JSON Schemas), a prompt for a model, an offline implementation that answers when no
//! model does, and the actions it may propose. [`StructuredSkill`] is how skills are written;
//! [`Typed`] turns one into the object-safe [`Skill`] the runtime holds.

use async_trait::async_trait;
use domain::action::{Action, ActionKind};
use domain::agent::AgentRole;
use domain::agent_run::RunTrigger;
use domain::event::Event;
use domain::id::{AccountId, ActivityId, OpportunityId, TenantId};
use llm::{ChatRequest, Gateway, Message, MessageRole};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use store::Store;

use crate::handler::HandlerError;

/// What starts a run, what it is about, and its input.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub kind: RunTrigger,
    pub event_id: Option<uuid::Uuid>,
    pub activity_id: Option<ActivityId>,
    pub account_id: Option<AccountId>,
    pub opportunity_id: Option<OpportunityId>,
    /// Unique per tenant: the same trigger delivered twice runs once.
    pub dedupe_key: String,
    pub input: serde_json::Value,
    /// The person who asked for a manual run.
    pub requested_by: Option<domain::id::UserId>,
    /// The outside sender whose message started the run (inbound email), for the per-sender cap.
    pub sender: Option<String>,
}

/// What a skill may use while it runs.
pub struct SkillContext<'a> {
    pub tenant: TenantId,
    pub store: &'a Store,
    /// The gateway with the tenant's routes.
    pub gateway: &'a Gateway,
    pub canary: Option<&'a str>,
    /// The tenant's LLM budget is spent: answer offline.
    pub offline_only: bool,
}

/// What a skill produced.
#[derive(Debug)]
pub struct SkillOutput {
    pub output: serde_json::Value,
    pub actions: Vec<Action>,
    pub attempts: Vec<llm::Attempt>,
    /// The provider that answered, `offline` for the offline implementation.
    pub answered_by: String,
    pub fallback_reason: Option<String>,
    /// The untrusted text the skill read (for injection signs and link provenance).
    pub untrusted: String,
}

/// A skill as the runtime holds it.
#[async_trait]
pub trait Skill: Send + Sync {
    fn name(&self) -> &'static str;
    fn role(&self) -> AgentRole;
    fn description(&self) -> &'static str;
    /// The actions it may propose; anything else is forbidden.
    fn allowed_actions(&self) -> &'static [ActionKind];
    fn input_schema(&self) -> serde_json::Value;
    fn output_schema(&self) -> serde_json::Value;
    /// Checks an input against the input type, with serde's message when it does not fit.
    fn check_input(&self, input: &serde_json::Value) -> Result<(), String>;
    /// Event kinds that may start it.
    fn triggers(&self) -> &'static [&'static str];
    /// Whether a person may run it with an input of their own.
    fn manual(&self) -> bool;
    /// The run an event starts, if this event is one for the skill.
    async fn on_event(
        &self,
        store: &Store,
        tenant: TenantId,
        event: &Event,
    ) -> Result<Option<Trigger>, HandlerError>;
    /// Runs the skill on an input (checked against its input type).
    async fn run(
        &self,
        cx: &SkillContext<'_>,
        input: &serde_json::Value,
    ) -> Result<SkillOutput, HandlerError>;
}

/// How skills are written: typed input and output, a prompt, an offline answer, and the mapping
/// from output to proposed actions.
#[async_trait]
pub trait StructuredSkill: Send + Sync + 'static {
    type Input: DeserializeOwned + Serialize + JsonSchema + Send + Sync;
    type Output: DeserializeOwned + Serialize + JsonSchema + Send + Sync;

    const NAME: &'static str;
    const ROLE: AgentRole;
    const DESCRIPTION: &'static str;
    const ALLOWED: &'static [ActionKind];
    const TRIGGERS: &'static [&'static str] = &[];
    /// Whether a model may answer; a skill that is rules by nature (matching, bookkeeping) sets
    /// `false` and always answers offline, at no cost and the same every time.
    const USES_MODEL: bool = true;
    /// Whether a person may run it with an input of their own (`POST /agents/{role}/skills/…`);
    /// `false` for skills whose input the server gathers (who signs, which deal, which rep), so a
    /// caller cannot write it.
    const MANUAL: bool = true;

    /// What the model is asked to do (system instructions, after the role's preamble).
    fn instructions(&self) -> &'static str;
    /// The user message: the task and the input, untrusted parts fenced with
    /// [`crate::prompt::fence`].
    fn request(&self, input: &Self::Input) -> String;
    /// The untrusted text in the input.
    fn untrusted(&self, input: &Self::Input) -> String;
    /// The answer without a model: rules and templates over the input.
    fn offline(&self, input: &Self::Input) -> Self::Output;
    /// Checks and corrects an answer against the input (whoever gave it): quotes located,
    /// values clamped. The answer as it is by default.
    fn settle(&self, _input: &Self::Input, output: Self::Output) -> Self::Output {
        output
    }
    /// Keeps what the answer establishes (a scorecard version, a plan) before the run is
    /// recorded. Runs again if recording the run fails, so it must be idempotent. Nothing by
    /// default.
    async fn record(
        &self,
        _cx: &SkillContext<'_>,
        _input: &Self::Input,
        _output: &Self::Output,
        _answered_by: &str,
    ) -> Result<(), HandlerError> {
        Ok(())
    }
    /// The actions an output proposes.
    fn actions(&self, input: &Self::Input, output: &Self::Output) -> Vec<Action>;
    /// The run an event starts, if any.
    async fn on_event(
        &self,
        _store: &Store,
        _tenant: TenantId,
        _event: &Event,
    ) -> Result<Option<Trigger>, HandlerError> {
        Ok(None)
    }
}

/// The model request for a skill's input: the role's instructions, then the task with the
/// untrusted parts fenced.
pub fn chat_request<S: StructuredSkill>(
    skill: &S,
    input: &S::Input,
    canary: Option<&str>,
) -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::new(
                MessageRole::System,
                crate::prompt::instructions(S::ROLE, skill.instructions(), canary),
            ),
            Message::new(MessageRole::User, skill.request(input)),
        ],
        ..ChatRequest::default()
    }
}

/// A [`StructuredSkill`] as a [`Skill`].
pub struct Typed<S>(pub S);

#[async_trait]
impl<S: StructuredSkill> Skill for Typed<S> {
    fn name(&self) -> &'static str {
        S::NAME
    }

    fn role(&self) -> AgentRole {
        S::ROLE
    }

    fn description(&self) -> &'static str {
        S::DESCRIPTION
    }

    fn allowed_actions(&self) -> &'static [ActionKind] {
        S::ALLOWED
    }

    fn input_schema(&self) -> serde_json::Value {
        schemars::schema_for!(S::Input).to_value()
    }

    fn output_schema(&self) -> serde_json::Value {
        schemars::schema_for!(S::Output).to_value()
    }

    fn check_input(&self, input: &serde_json::Value) -> Result<(), String> {
        S::Input::deserialize(input)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn triggers(&self) -> &'static [&'static str] {
        S::TRIGGERS
    }

    fn manual(&self) -> bool {
        S::MANUAL
    }

    async fn on_event(
        &self,
        store: &Store,
        tenant: TenantId,
        event: &Event,
    ) -> Result<Option<Trigger>, HandlerError> {
        self.0.on_event(store, tenant, event).await
    }

    async fn run(
        &self,
        cx: &SkillContext<'_>,
        input: &serde_json::Value,
    ) -> Result<SkillOutput, HandlerError> {
        let input: S::Input = serde_json::from_value(input.clone())
            .map_err(|e| HandlerError::Permanent(format!("invalid input for {}: {e}", S::NAME)))?;
        let untrusted = self.0.untrusted(&input);
        let structured = if !S::USES_MODEL {
            llm::Structured {
                value: self.0.offline(&input),
                attempts: Vec::new(),
                provider: llm::providers::offline::OFFLINE.to_owned(),
                fallback_reason: None,
            }
        } else if cx.offline_only {
            llm::Structured {
                value: self.0.offline(&input),
                attempts: vec![llm::Attempt::offline(llm::Usage::default(), false)],
                provider: llm::providers::offline::OFFLINE.to_owned(),
                fallback_reason: Some("the tenant's monthly LLM budget is spent".into()),
            }
        } else {
            let request = chat_request(&self.0, &input, cx.canary);
            cx.gateway
                .complete_structured(S::ROLE.as_str(), &request, S::NAME, || {
                    self.0.offline(&input)
                })
                .await
        };
        let mut structured = structured;
        structured.value = self.0.settle(&input, structured.value);
        self.0
            .record(cx, &input, &structured.value, &structured.provider)
            .await?;
        let actions = self.0.actions(&input, &structured.value);
        let output = serde_json::to_value(&structured.value)
            .map_err(|e| HandlerError::Permanent(format!("serializing the output: {e}")))?;
        Ok(SkillOutput {
            output,
            actions,
            attempts: structured.attempts,
            answered_by: structured.provider,
            fallback_reason: structured.fallback_reason,
            untrusted,
        })
    }
}
