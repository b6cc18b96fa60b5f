//! The OpenAI-compatible serving endpoint: `POST /v1/chat/completions` (streaming and not) and
//! `GET /v1/models`. `model` names an agent role (for example `sales`); the tenant's API key
//! authenticates. This is how voice platforms (Vapi's custom LLM) and any OpenAI client talk to
//! the agents. The role's model route answers, or the offline engine, so the endpoint always
//! works; the answer names who served it (`agent_army.provider`, `x-agent-army-provider`).

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use domain::agent::AgentRole;
use futures_util::StreamExt;
use llm::{
    ChatRequest, FinishReason, Message, MessageRole, ResponseFormat, StreamEvent, ToolCall,
    ToolSpec, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use std::sync::Arc;

use domain::id::TenantId;

use crate::auth::Auth;
use crate::budget::{BudgetState, month_spend};
use crate::error::{ApiError, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::traces::{CallSource, TraceWriter, kept_prompt, to_calls};
use domain::llm_settings::ModelPrice;
use std::collections::BTreeMap;

/// A chat completion request in OpenAI's format. Unknown fields are ignored, as OpenAI clients
/// send many optional ones.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChatCompletionRequest {
    /// An agent role, for example `sales`.
    pub model: String,
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<WireMessage>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub max_completion_tokens: Option<u32>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub tools: Option<Vec<WireTool>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub response_format: Option<Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StreamOptions {
    #[serde(default)]
    pub include_usage: bool,
}

#[derive(Debug, Deserialize)]
pub struct WireMessage {
    role: String,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
    #[serde(default)]
    tool_call_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WireToolCall {
    id: String,
    function: WireFunction,
}

#[derive(Debug, Deserialize)]
struct WireFunction {
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Debug, Deserialize)]
pub struct WireTool {
    function: WireToolFunction,
}

#[derive(Debug, Deserialize)]
struct WireToolFunction {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    parameters: Value,
}

/// Message content is a string or a list of parts; text parts are joined.
fn content_text(content: Option<Value>) -> Result<String, ApiError> {
    match content {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s),
        Some(Value::Array(parts)) => Ok(parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("")),
        Some(_) => Err(ApiError::unprocessable(
            "invalid_input",
            "messages[].content must be a string or a list of parts",
        )),
    }
}

fn to_request(body: ChatCompletionRequest) -> Result<ChatRequest, ApiError> {
    if body.messages.is_empty() {
        return Err(ApiError::unprocessable(
            "invalid_input",
            "messages must not be empty",
        ));
    }
    let mut messages = Vec::with_capacity(body.messages.len());
    for m in body.messages {
        let role = match m.role.as_str() {
            "system" | "developer" => MessageRole::System,
            "user" => MessageRole::User,
            "assistant" => MessageRole::Assistant,
            "tool" => MessageRole::Tool,
            other => {
                return Err(ApiError::unprocessable(
                    "invalid_input",
                    format!("unknown message role {other:?}"),
                ));
            }
        };
        let mut message = Message::new(role, content_text(m.content)?);
        message.tool_call_id = m.tool_call_id;
        message.tool_calls = m
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .map(|c| ToolCall {
                id: c.id,
                name: c.function.name,
                arguments: c.function.arguments,
            })
            .collect();
        messages.push(message);
    }
    let response_format = match body.response_format {
        Some(format) if format.get("type").and_then(Value::as_str) == Some("json_schema") => {
            let spec = &format["json_schema"];
            Some(ResponseFormat {
                name: spec
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("reply")
                    .to_owned(),
                schema: spec.get("schema").cloned().unwrap_or(Value::Null),
            })
        }
        _ => None,
    };
    Ok(ChatRequest {
        model: body.model,
        messages,
        tools: body
            .tools
            .unwrap_or_default()
            .into_iter()
            .map(|t| ToolSpec {
                name: t.function.name,
                description: t.function.description,
                parameters: t.function.parameters,
            })
            .collect(),
        response_format,
        temperature: body.temperature,
        max_tokens: body.max_completion_tokens.or(body.max_tokens),
    })
}

fn role_of(model: &str) -> Result<AgentRole, ApiError> {
    model.parse::<AgentRole>().map_err(|_| {
        let known: Vec<&str> = AgentRole::ALL.iter().map(|r| r.as_str()).collect();
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "model_not_found",
            "Model not found",
            format!(
                "model {model:?} is not an agent role; use one of: {}",
                known.join(", ")
            ),
        )
    })
}

fn usage_json(usage: Usage) -> Value {
    json!({
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    })
}

fn completion_id() -> String {
    format!("chatcmpl-{}", uuid::Uuid::now_v7().simple())
}

fn created() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn provenance(provider: &str, fallback: Option<&str>) -> Value {
    json!({ "provider": provider, "fallback_reason": fallback })
}

/// Why the offline engine answers when the month's budget is spent.
const BUDGET_SPENT: &str = "the tenant's monthly LLM budget is spent";

fn with_budget_header(mut response: Response, state: BudgetState) -> Response {
    response.headers_mut().insert(
        "x-agent-army-budget",
        HeaderValue::from_static(state.as_str()),
    );
    response
}

fn with_provider_header(mut response: Response, provider: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(provider) {
        response
            .headers_mut()
            .insert("x-agent-army-provider", value);
    }
    response
}

#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai", request_body = ChatCompletionRequest,
    responses((status = 200, description = "An OpenAI chat completion, or server-sent chunks ending with `data: [DONE]` when `stream` is true"),
        (status = 401, body = Problem), (status = 404, body = Problem, description = "model is not an agent role"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn chat_completions(
    State(state): State<AppState>,
    auth: Auth,
    body: ApiJson<ChatCompletionRequest>,
) -> Result<Response, ApiError> {
    let body = body.value;
    let role = role_of(&body.model)?;
    let include_usage = body
        .stream_options
        .as_ref()
        .is_some_and(|o| o.include_usage);
    let stream = body.stream;
    let request = to_request(body)?;
    let settings = state.llm_settings.get(&state.store, auth.tenant).await?;
    let spend = month_spend(&state.store, auth.tenant, &settings, false).await?;
    let routed;
    let gateway: &llm::Gateway = if settings.routes.is_empty() {
        &state.gateway
    } else {
        routed = state.gateway.with_routes(&settings.routes);
        &routed
    };
    tracing::debug!(tenant = %auth.tenant, role = role.as_str(), stream, "chat completion");
    if stream {
        let served = if spend.state == BudgetState::Exceeded {
            gateway.offline_stream(role.as_str(), &request, BUDGET_SPENT)
        } else {
            gateway.stream(role.as_str(), &request).await
        };
        let prompt = settings.keep_prompts.then(|| kept_prompt(&request));
        let recorded = Recorded {
            prompt,
            prices: settings.prices,
        };
        let response = stream_response(&state, auth.tenant, role, served, include_usage, recorded);
        return Ok(with_budget_header(response, spend.state));
    }
    let started_at = store::now();
    let served = if spend.state == BudgetState::Exceeded {
        gateway.offline_answer(role.as_str(), &request, BUDGET_SPENT)
    } else {
        gateway.complete(role.as_str(), &request).await
    };
    let prompt = settings.keep_prompts.then(|| kept_prompt(&request));
    let source = CallSource {
        route: role.as_str(),
        skill: None,
        prompt: prompt.as_deref(),
        prices: &settings.prices,
        agent_run_id: None,
    };
    let calls = to_calls(
        &state.gateway,
        &source,
        served.attempts,
        Some(&served.response.content),
        started_at,
    );
    state.traces.record(auth.tenant, calls);
    let response = served.response;
    let mut message = json!({ "role": "assistant", "content": response.content });
    if !response.tool_calls.is_empty() {
        message["tool_calls"] = response
            .tool_calls
            .iter()
            .map(|c| json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            .collect();
    }
    let body = json!({
        "id": completion_id(),
        "object": "chat.completion",
        "created": created(),
        "model": role.as_str(),
        "choices": [{ "index": 0, "message": message, "finish_reason": response.finish_reason.as_openai() }],
        "usage": usage_json(response.usage.unwrap_or_default()),
        "agent_army": provenance(&served.provider, served.fallback_reason.as_deref()),
    });
    Ok(with_budget_header(
        with_provider_header(Json(body).into_response(), &served.provider),
        spend.state,
    ))
}

/// Server-sent chunks in OpenAI's format: a role chunk, content and tool-call deltas, a finish
/// chunk, the usage chunk when asked for, then `[DONE]`. A provider failure mid-stream ends the
/// answer with `finish_reason: "error"` rather than hanging the client.
fn stream_response(
    state: &AppState,
    tenant: TenantId,
    role: AgentRole,
    served: llm::ServedStream,
    include_usage: bool,
    recorded: Recorded,
) -> Response {
    let started_at = store::now();
    let provider = served.provider.clone();
    let mut st = ChunkState {
        trace: StreamTrace {
            tenant,
            started_at,
            sent: served.started,
            first_event: None,
            attempts: served.attempts,
            provider: served.provider.clone(),
            model: served.model.clone(),
            offline: served.fallback_reason.is_some(),
            error: None,
            gateway: Arc::clone(&state.gateway),
            writer: state.traces.clone(),
            route: role.as_str(),
            recorded: false,
            completion: recorded.prompt.as_ref().map(|_| String::new()),
            prompt: recorded.prompt,
            prices: recorded.prices,
        },
        inner: served.stream,
        pending: VecDeque::new(),
        usage: None,
        finished: false,
        ended: false,
        include_usage,
        id: completion_id(),
        created: created(),
        model: role.as_str(),
    };
    let mut first = st.chunk(json!({"role": "assistant", "content": ""}), None);
    first["agent_army"] = provenance(&served.provider, served.fallback_reason.as_deref());
    st.pending.push_back(first);
    let events = futures_util::stream::unfold(st, next_chunk)
        .map(|value| Ok::<Event, Infallible>(Event::default().data(value.to_string())))
        .chain(futures_util::stream::once(async {
            Ok::<Event, Infallible>(Event::default().data("[DONE]"))
        }));
    let response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    with_provider_header(response, &provider)
}

/// What is needed to record the streamed call when it ends.
struct StreamTrace {
    tenant: TenantId,
    started_at: jiff::Timestamp,
    sent: std::time::Instant,
    first_event: Option<std::time::Duration>,
    attempts: Vec<llm::Attempt>,
    provider: String,
    model: String,
    offline: bool,
    error: Option<llm::LlmError>,
    gateway: Arc<llm::Gateway>,
    writer: TraceWriter,
    route: &'static str,
    recorded: bool,
    /// The redacted prompt and the text so far, when the tenant keeps prompts.
    prompt: Option<String>,
    completion: Option<String>,
    /// The tenant's own model prices.
    prices: BTreeMap<String, ModelPrice>,
}

/// What the tenant's settings add to a streamed call's trace.
struct Recorded {
    /// The redacted prompt, when the tenant keeps prompts.
    prompt: Option<String>,
    prices: BTreeMap<String, ModelPrice>,
}

impl Drop for StreamTrace {
    /// A client that hangs up mid-stream still leaves a trace of the call.
    fn drop(&mut self) {
        if !self.recorded {
            self.error.get_or_insert(llm::LlmError::Shed {
                provider: self.provider.clone(),
                detail: "the client disconnected before the end of the stream".into(),
            });
            self.finish(Usage::default());
        }
    }
}

impl StreamTrace {
    fn finish(&mut self, usage: Usage) {
        if self.recorded {
            return;
        }
        self.recorded = true;
        let route = self.route;
        let mut attempts = std::mem::take(&mut self.attempts);
        let latency = self.sent.elapsed();
        attempts.push(match (&self.error, self.offline) {
            (Some(e), _) => llm::Attempt {
                usage,
                ttft: self.first_event,
                ..llm::Attempt::failed(&self.provider, &self.model, e, latency, true)
            },
            (None, true) => llm::Attempt::offline(usage, true),
            (None, false) => llm::Attempt::ok(
                &self.provider,
                &self.model,
                usage,
                latency,
                self.first_event,
                true,
            ),
        });
        let source = CallSource {
            route,
            skill: None,
            prompt: self.prompt.as_deref(),
            prices: &self.prices,
            agent_run_id: None,
        };
        let calls = to_calls(
            &self.gateway,
            &source,
            attempts,
            self.completion.as_deref(),
            self.started_at,
        );
        self.writer.record(self.tenant, calls);
    }
}

/// Where a streamed answer stands.
struct ChunkState {
    trace: StreamTrace,
    inner: llm::EventStream,
    pending: VecDeque<Value>,
    usage: Option<Usage>,
    finished: bool,
    ended: bool,
    include_usage: bool,
    id: String,
    created: i64,
    model: &'static str,
}

impl ChunkState {
    fn chunk(&self, delta: Value, finish: Option<&str>) -> Value {
        json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }],
        })
    }

    fn finish(&mut self, reason: &str) {
        if !self.finished {
            self.finished = true;
            let chunk = self.chunk(json!({}), Some(reason));
            self.pending.push_back(chunk);
        }
    }
}

async fn next_chunk(mut st: ChunkState) -> Option<(Value, ChunkState)> {
    loop {
        if let Some(value) = st.pending.pop_front() {
            return Some((value, st));
        }
        if st.ended {
            return None;
        }
        let next = st.inner.next().await;
        if st.trace.first_event.is_none() {
            st.trace.first_event = Some(st.trace.sent.elapsed());
        }
        match next {
            Some(Ok(StreamEvent::Text(text))) => {
                if let Some(kept) = st.trace.completion.as_mut() {
                    kept.push_str(&text);
                }
                let chunk = st.chunk(json!({"content": text}), None);
                st.pending.push_back(chunk);
            }
            Some(Ok(StreamEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            })) => {
                let mut call = json!({"index": index, "function": {"arguments": arguments}});
                if let Some(id) = id {
                    call["id"] = json!(id);
                    call["type"] = json!("function");
                }
                if let Some(name) = name {
                    call["function"]["name"] = json!(name);
                }
                let chunk = st.chunk(json!({"tool_calls": [call]}), None);
                st.pending.push_back(chunk);
            }
            Some(Ok(StreamEvent::Usage(usage))) => st.usage = Some(usage),
            Some(Ok(StreamEvent::Finish(reason))) => st.finish(reason.as_openai()),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "model stream broke off");
                st.trace.error = Some(e);
                st.finish(FinishReason::Other("error".into()).as_openai());
            }
            None => {
                st.finish("stop");
                let usage = st.usage.unwrap_or_default();
                st.trace.finish(usage);
                if st.include_usage {
                    let usage = json!({
                        "id": st.id, "object": "chat.completion.chunk", "created": st.created, "model": st.model,
                        "choices": [], "usage": usage_json(st.usage.unwrap_or_default()),
                    });
                    st.pending.push_back(usage);
                }
                st.ended = true;
            }
        }
    }
}

/// The models this endpoint serves: one per agent role.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ModelList {
    /// Always `list`.
    pub object: &'static str,
    #[schema(value_type = Vec<Object>)]
    pub data: Vec<Value>,
}

#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, body = ModelList), (status = 401, body = Problem)), security(("api_key" = [])))]
pub async fn models(State(state): State<AppState>, _auth: Auth) -> Json<ModelList> {
    let data = AgentRole::ALL
        .iter()
        .map(|role| {
            json!({
                "id": role.as_str(),
                "object": "model",
                "created": 0,
                "owned_by": "agent-army",
                "description": role.title(),
                "served_by": if state.gateway.has_model(role.as_str()) { "model" } else { "offline" },
            })
        })
        .collect();
    Json(ModelList {
        object: "list",
        data,
    })
}
