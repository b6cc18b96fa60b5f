//! A fake Qdrant speaking the parts of its REST API the knowledge base uses: collections (get,
//! create, payload indexes), points (upsert, delete by filter, search with `must` filters of
//! `match.value` / `match.any`, `score_threshold`, `with_payload`), answers wrapped in
//! `{"result", "status", "time"}`, errors as `{"status": {"error"}}`, and the `api-key` header.
//! Cosine distance, as the client creates collections with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

#[derive(Default)]
struct Collection {
    dimensions: usize,
    points: HashMap<String, (Vec<f32>, Value)>,
    indexes: Vec<String>,
}

#[derive(Default)]
struct Inner {
    collections: HashMap<String, Collection>,
    api_key: Option<String>,
    searches: usize,
    down: bool,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake Qdrant.
#[derive(Clone)]
pub struct FakeQdrant {
    /// For example `http://127.0.0.1:41000`.
    pub url: String,
    inner: Shared,
}

fn ok(result: Value) -> Response {
    Json(json!({"result": result, "status": "ok", "time": 0.0001})).into_response()
}

fn error(status: StatusCode, message: String) -> Response {
    (
        status,
        Json(json!({"status": {"error": message}, "time": 0.0001})),
    )
        .into_response()
}

fn missing(name: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("Not found: Collection `{name}` doesn't exist!"),
    )
}

/// Refuses a request without the configured key, or while "down".
fn gate(inner: &Inner, headers: &HeaderMap) -> Option<Response> {
    if inner.down {
        return Some(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable".into(),
        ));
    }
    let expected = inner.api_key.as_deref()?;
    let given = headers.get("api-key").and_then(|v| v.to_str().ok());
    (given != Some(expected)).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "Must provide an API key or an Authorization bearer token".into(),
        )
    })
}

fn matches(payload: &Value, condition: &Value) -> bool {
    let Some(key) = condition.get("key").and_then(Value::as_str) else {
        return false;
    };
    let field = payload.get(key).cloned().unwrap_or(Value::Null);
    let values: Vec<Value> = match field {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    let rule = condition.get("match").cloned().unwrap_or(Value::Null);
    if let Some(value) = rule.get("value") {
        return values.contains(value);
    }
    if let Some(Value::Array(any)) = rule.get("any") {
        return any.iter().any(|a| values.contains(a));
    }
    false
}

fn admits(payload: &Value, filter: Option<&Value>) -> bool {
    let Some(filter) = filter else {
        return true;
    };
    filter
        .get("must")
        .and_then(Value::as_array)
        .is_none_or(|must| must.iter().all(|c| matches(payload, c)))
}

/// A JSON array of numbers as floats (empty when it is not one).
fn floats(value: &Value) -> Vec<f32> {
    value
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(Value::as_f64)
                .map(|x| x as f32)
                .collect()
        })
        .unwrap_or_default()
}

fn normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm == 0.0 {
        v.to_vec()
    } else {
        v.iter().map(|x| x / norm).collect()
    }
}

/// Runs `answer` on the named collection (and the search counter) behind the key check; a
/// missing collection is a 404.
fn on_collection(
    inner: &Shared,
    headers: &HeaderMap,
    name: &str,
    answer: impl FnOnce(&mut Collection, &mut usize) -> Response,
) -> Response {
    let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(refused) = gate(&inner, headers) {
        return refused;
    }
    let Inner {
        collections,
        searches,
        ..
    } = &mut *inner;
    match collections.get_mut(name) {
        Some(collection) => answer(collection, searches),
        None => missing(name),
    }
}

async fn get_collection(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    on_collection(&inner, &headers, &name, |c, _| {
        ok(json!({"status": "green", "points_count": c.points.len(),
            "config": {"params": {"vectors": {"size": c.dimensions, "distance": "Cosine"}}}}))
    })
}

async fn create_collection(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut inner = inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(refused) = gate(&inner, &headers) {
        return refused;
    }
    if inner.collections.contains_key(&name) {
        return error(
            StatusCode::CONFLICT,
            format!("Wrong input: Collection `{name}` already exists!"),
        );
    }
    let size = body["vectors"]["size"].as_u64().unwrap_or(0) as usize;
    if size == 0 || body["vectors"]["distance"] != "Cosine" {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Format error in JSON body: vectors".into(),
        );
    }
    inner.collections.insert(
        name,
        Collection {
            dimensions: size,
            ..Collection::default()
        },
    );
    ok(json!(true))
}

async fn create_index(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    on_collection(&inner, &headers, &name, |collection, _| {
        if let Some(field) = body["field_name"].as_str() {
            collection.indexes.push(field.to_owned());
        }
        ok(json!({"operation_id": 1, "status": "completed"}))
    })
}

async fn upsert(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    on_collection(&inner, &headers, &name, |collection, _| {
        let points = body["points"].as_array().cloned().unwrap_or_default();
        for point in &points {
            let id = match &point["id"] {
                Value::String(s) if uuid::Uuid::try_parse(s).is_ok() => s.clone(),
                Value::Number(n) if n.is_u64() => n.to_string(),
                other => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        format!("Bad request: unable to parse point id {other}"),
                    );
                }
            };
            let vector: Vec<f32> = floats(&point["vector"]);
            if vector.len() != collection.dimensions {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Wrong input: Vector dimension error: expected dim: {}, got {}",
                        collection.dimensions,
                        vector.len()
                    ),
                );
            }
            collection
                .points
                .insert(id, (normalised(&vector), point["payload"].clone()));
        }
        ok(json!({"operation_id": 2, "status": "completed"}))
    })
}

async fn delete_points(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    on_collection(&inner, &headers, &name, |collection, _| {
        let Some(filter) = body.get("filter") else {
            return error(
                StatusCode::BAD_REQUEST,
                "Bad request: expected a filter".into(),
            );
        };
        collection
            .points
            .retain(|_, (_, payload)| !admits(payload, Some(filter)));
        ok(json!({"operation_id": 3, "status": "completed"}))
    })
}

async fn search(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    on_collection(&inner, &headers, &name, |collection, searches| {
        *searches += 1;
        let query: Vec<f32> = floats(&body["vector"]);
        if query.len() != collection.dimensions {
            return error(
                StatusCode::BAD_REQUEST,
                "Wrong input: Vector dimension error".into(),
            );
        }
        let query = normalised(&query);
        let limit = body["limit"].as_u64().unwrap_or(10) as usize;
        let threshold = body["score_threshold"].as_f64().map(|t| t as f32);
        let mut scored: Vec<(f32, &String, &Value)> = collection
            .points
            .iter()
            .filter(|(_, (_, payload))| admits(payload, body.get("filter")))
            .map(|(id, (v, payload))| {
                let score = v.iter().zip(&query).map(|(a, b)| a * b).sum::<f32>();
                (score, id, payload)
            })
            .filter(|(score, _, _)| threshold.is_none_or(|t| *score >= t))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(limit);
        let with_payload = &body["with_payload"];
        let result: Vec<Value> = scored
            .into_iter()
            .map(|(score, id, payload)| {
                let payload = match with_payload {
                    Value::Bool(true) => payload.clone(),
                    Value::Array(fields) => {
                        let mut picked = serde_json::Map::new();
                        for field in fields.iter().filter_map(Value::as_str) {
                            if let Some(v) = payload.get(field) {
                                picked.insert(field.to_owned(), v.clone());
                            }
                        }
                        Value::Object(picked)
                    }
                    _ => Value::Null,
                };
                json!({"id": id, "version": 0, "score": score, "payload": payload})
            })
            .collect();
        ok(Value::Array(result))
    })
}

impl FakeQdrant {
    /// Starts the fake on a random port; requests must carry `api_key` when given.
    pub async fn start(api_key: Option<&str>) -> Self {
        let inner: Shared = Arc::new(Mutex::new(Inner {
            api_key: api_key.map(str::to_owned),
            ..Inner::default()
        }));
        let app = axum::Router::new()
            .route(
                "/collections/{name}",
                get(get_collection).put(create_collection),
            )
            .route("/collections/{name}/index", put(create_index))
            .route("/collections/{name}/points", put(upsert))
            .route("/collections/{name}/points/delete", post(delete_points))
            .route("/collections/{name}/points/search", post(search))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake Qdrant");
        let url = format!(
            "http://{}",
            listener.local_addr().expect("fake Qdrant address")
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner }
    }

    /// Names of the collections, sorted.
    pub fn collections(&self) -> Vec<String> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> = inner.collections.keys().cloned().collect();
        names.sort();
        names
    }

    /// Points in a collection (0 when it does not exist).
    pub fn points(&self, collection: &str) -> usize {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .collections
            .get(collection)
            .map_or(0, |c| c.points.len())
    }

    /// Searches answered so far.
    pub fn searches(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .searches
    }

    /// Makes every request fail with 503 (or work again).
    pub fn set_down(&self, down: bool) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).down = down;
    }
}
