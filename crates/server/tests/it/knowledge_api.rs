//! The knowledge API over HTTP: upload of every format (multipart and JSON), re-upload as a no-op,
//! bad files refused with nothing stored, search with citations and scope filters, the tenant
//! wall, delete, and hybrid search once the embedder has run.

use std::sync::Arc;
use std::time::Duration;

use domain::user::Role;
use knowledge::fixtures::{sample_docx, sample_pdf};
use reqwest::Method;
use serde_json::{Value, json};
use testkit::{AppOptions, Backend, TestApp, assert_problem, both_backends, spawn_app};

const BOUNDARY: &str = "agent-army-test-boundary";

/// A part of a multipart body: field name, file name (for file parts) and bytes.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    bytes: &'a [u8],
}

fn field<'a>(name: &'a str, value: &'a str) -> Part<'a> {
    Part {
        name,
        file_name: None,
        bytes: value.as_bytes(),
    }
}

fn file<'a>(file_name: &'a str, bytes: &'a [u8]) -> Part<'a> {
    Part {
        name: "file",
        file_name: Some(file_name),
        bytes,
    }
}

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part.file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.name
                )
                .as_bytes(),
            ),
        }
        body.extend_from_slice(part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &TestApp, key: &str, parts: &[Part<'_>]) -> reqwest::Response {
    app.request(Method::POST, key, "/api/v1/knowledge/documents")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(parts))
        .send()
        .await
        .unwrap()
}

async fn search(app: &TestApp, key: &str, query: &str) -> Value {
    let response = app
        .get(key, &format!("/api/v1/knowledge/search?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn sources(results: &Value) -> Vec<String> {
    results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["source"].as_str().unwrap().to_owned())
        .collect()
}

const PRICING_MD: &str = "# Skyvera Network Pricing\n\n## EMEA\n\nThe annual subscription \
    costs 120 euros per seat. Volume discounts start at 500 seats.\n";

async fn documents_are_uploaded_searched_and_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let product = app
        .create(
            &t.admin_key,
            "/api/v1/products",
            json!({"code": "NET-01", "name": "Skyvera Network"}),
        )
        .await;

    // Markdown, scoped to a product (by code) and a region.
    let response = upload(
        &app,
        &t.admin_key,
        &[
            field("kind", "pricing"),
            field("product", "net-01"),
            field("region", "EMEA"),
            file("pricing.md", PRICING_MD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["outcome"], "created");
    let pricing = &created["document"];
    assert_eq!(pricing["kind"], "pricing");
    assert_eq!(pricing["product_id"], product["id"]);
    assert_eq!(pricing["regions"], json!(["EMEA"]));
    assert_eq!(pricing["title"], "Skyvera Network Pricing");

    // The same content again changes nothing.
    let again = upload(
        &app,
        &t.admin_key,
        &[
            field("kind", "pricing"),
            field("product", "NET-01"),
            field("region", "EMEA"),
            file("pricing.md", PRICING_MD.as_bytes()),
        ],
    )
    .await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(again["document"]["id"], pricing["id"]);

    // Every other format, one upload each.
    let pdf = sample_pdf("Failover completes within thirty seconds on the Skyvera gateway.");
    let docx = sample_docx();
    let uploads: [(&str, &[u8], &str); 5] = [
        (
            "notes.txt",
            b"Battlecard: Jigtree lacks multi-region failover.",
            "competitor",
        ),
        (
            "case.html",
            b"<html><body><h1>Case study</h1><p>Acme cut outages by 40 percent.</p></body></html>",
            "case_study",
        ),
        ("prices.csv", b"sku,price\nNET-01-SEAT,120\n", "pricing"),
        ("gateway.pdf", &pdf, "product_doc"),
        ("security.docx", &docx, "policy"),
    ];
    for (name, bytes, kind) in uploads {
        let response = upload(
            &app,
            &t.admin_key,
            &[
                file(name, bytes),
                field("kind", kind),
                field("region", "APAC"),
            ],
        )
        .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{name}: {body}");
        assert!(
            body["document"]["chunk_count"].as_i64().unwrap() >= 1,
            "{name}"
        );
    }
    // JSON text works too.
    let response = app
        .post(
            &t.admin_key,
            "/api/v1/knowledge/documents",
            &json!({"source": "playbook.md", "content": "# Discovery\n\nAsk about outages first.",
                "kind": "playbook"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // Search cites document, section and position; the PDF's and DOCX's text is found.
    let results = search(&app, &t.admin_key, "q=annual+subscription+seat").await;
    assert_eq!(results["mode"], "bm25");
    let top = &results["items"][0];
    assert_eq!(top["source"], "pricing.md");
    assert_eq!(top["section"], json!(["Skyvera Network Pricing", "EMEA"]));
    let (start, end) = (
        top["start_offset"].as_i64().unwrap(),
        top["end_offset"].as_i64().unwrap(),
    );
    assert!(start >= 0 && end > start);
    assert!(top["text"].as_str().unwrap().contains("120 euros per seat"));
    assert_eq!(
        sources(&search(&app, &t.admin_key, "q=failover+thirty+seconds").await)[0],
        "gateway.pdf"
    );
    assert_eq!(
        sources(&search(&app, &t.admin_key, "q=SAML+SSO").await),
        ["security.docx"]
    );

    // Scope filters: region (a document with no region applies everywhere), product and kind.
    let emea = sources(
        &search(
            &app,
            &t.admin_key,
            "q=failover+seat+outages+discovery&region=EMEA",
        )
        .await,
    );
    assert!(emea.contains(&"pricing.md".to_owned()) && emea.contains(&"playbook.md".to_owned()));
    assert!(!emea.contains(&"gateway.pdf".to_owned()) && !emea.contains(&"notes.txt".to_owned()));
    let apac = sources(&search(&app, &t.admin_key, "q=seat+failover&region=APAC").await);
    assert!(!apac.contains(&"pricing.md".to_owned()) && apac.contains(&"gateway.pdf".to_owned()));
    let by_product = sources(&search(&app, &t.admin_key, "q=seat+failover&product=NET-01").await);
    assert_eq!(by_product, ["pricing.md"]);
    let by_kind = sources(&search(&app, &t.admin_key, "q=failover&kind=competitor").await);
    assert_eq!(by_kind, ["notes.txt"]);

    // The tenant wall: B never sees A's chunks, even searching A's exact sentence.
    let exact = "q=The+annual+subscription+costs+120+euros+per+seat";
    assert!(
        search(&app, &other.admin_key, exact).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let id = pricing["id"].as_str().unwrap();
    let path = format!("/api/v1/knowledge/documents/{id}");
    assert_problem(
        app.get(&other.admin_key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_problem(
        app.delete(&other.admin_key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    let listed: Value = app
        .get(&other.admin_key, "/api/v1/knowledge/documents")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty());

    // Reading a document gives its chunks; listing filters by kind.
    let read: Value = app
        .get(&t.admin_key, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["source"], "pricing.md");
    assert!(
        read["chunks"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Volume discounts")
    );
    let listed: Value = app
        .get(&t.admin_key, "/api/v1/knowledge/documents?kind=pricing")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);

    // A reader searches but cannot upload or delete.
    let reader = app.key(t.id, Role::Viewer, None).await;
    assert!(!sources(&search(&app, &reader, "q=seat").await).is_empty());
    assert_problem(
        upload(&app, &reader, &[file("x.md", b"# X\n\ntext")]).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.delete(&reader, &path).send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;

    // Delete: gone from reads and from search.
    let deleted = app.delete(&t.admin_key, &path).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(
        app.get(&t.admin_key, &path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert!(
        !sources(&search(&app, &t.admin_key, "q=annual+subscription+seat").await)
            .contains(&"pricing.md".to_owned())
    );
}

async fn bad_files_and_queries_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let t = app.tenant("skyvera").await;
    let before = app.snapshot(&[t.id]).await;
    let key = &t.admin_key;

    let corrupted_pdf = upload(
        &app,
        key,
        &[file("broken.pdf", b"%PDF-1.7\n1 0 obj <<garbage")],
    )
    .await;
    assert_problem(corrupted_pdf, 422, "unreadable_file").await;
    let garbage: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_problem(
        upload(&app, key, &[file("spec.docx", &garbage)]).await,
        422,
        "unreadable_file",
    )
    .await;
    assert_problem(
        upload(&app, key, &[file("tool.exe", &garbage)]).await,
        415,
        "unsupported_file_type",
    )
    .await;
    assert_problem(
        upload(&app, key, &[file("empty.md", b"   \n")]).await,
        422,
        "unreadable_file",
    )
    .await;
    let too_big = vec![b'a'; knowledge::extract::MAX_FILE_BYTES + 1];
    assert_problem(
        upload(&app, key, &[file("big.txt", &too_big)]).await,
        413,
        "file_too_large",
    )
    .await;
    assert_problem(
        upload(&app, key, &[field("kind", "pricing")]).await,
        422,
        "invalid_input",
    )
    .await;
    assert_problem(
        upload(
            &app,
            key,
            &[file("a.md", b"# A\n\nx"), file("b.md", b"# B\n\ny")],
        )
        .await,
        422,
        "invalid_input",
    )
    .await;
    for scope in [
        field("kind", "memo"),
        field("region", "MARS"),
        field("product", "NOPE"),
    ] {
        assert_problem(
            upload(&app, key, &[file("a.md", b"# A\n\nx"), scope]).await,
            422,
            "invalid_input",
        )
        .await;
    }
    assert_problem(
        upload(
            &app,
            key,
            &[file("a.md", b"# A\n\nx"), field("colour", "red")],
        )
        .await,
        422,
        "invalid_input",
    )
    .await;
    let malformed = app
        .request(Method::POST, key, "/api/v1/knowledge/documents")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body("this is not multipart at all")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, 400, "malformed_multipart").await;
    let plain = app
        .request(Method::POST, key, "/api/v1/knowledge/documents")
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(plain, 415, "unsupported_media_type").await;
    let wrong_type = app
        .post(
            key,
            "/api/v1/knowledge/documents",
            &json!({"source": "a.md", "content": 42}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 422, "invalid_input").await;
    let bad_json = app
        .request(Method::POST, key, "/api/v1/knowledge/documents")
        .header("content-type", "application/json")
        .body("{\"source\": ")
        .send()
        .await
        .unwrap();
    assert_problem(bad_json, 400, "malformed_json").await;

    for query in [
        "",
        "q=",
        "q=x&limit=0",
        "q=x&limit=500",
        "q=x&region=not+a+region",
        "q=x&kind=memo",
        "q=x&limit=ten",
    ] {
        let response = app
            .get(key, &format!("/api/v1/knowledge/search?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
    let unknown_product = app
        .get(key, "/api/v1/knowledge/search?q=x&product=NOPE")
        .send()
        .await
        .unwrap();
    assert_problem(unknown_product, 422, "invalid_input").await;
    let long = format!("q={}", "word+".repeat(400));
    assert_eq!(
        app.get(key, &format!("/api/v1/knowledge/search?{long}"))
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    for path in [
        "/api/v1/knowledge/documents/not-an-id",
        "/api/v1/knowledge/documents/0190a0a0-0000-7000-8000-000000000000",
    ] {
        assert_problem(app.get(key, path).send().await.unwrap(), 404, "not_found").await;
        assert_problem(
            app.delete(key, path).send().await.unwrap(),
            404,
            "not_found",
        )
        .await;
    }
    assert_eq!(
        app.snapshot(&[t.id]).await,
        before,
        "refused requests changed nothing"
    );
}

both_backends!(
    documents_are_uploaded_searched_and_deleted,
    bad_files_and_queries_are_refused_and_store_nothing
);

/// Waits until the embedder has given every chunk of the tenant a vector.
async fn embedded(app: &TestApp, tenant: domain::id::TenantId, model: &str) {
    for _ in 0..600 {
        let missing = app
            .store
            .documents_without_vectors(tenant, model)
            .await
            .unwrap();
        if missing.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!("the embedder did not finish");
}

/// With an OpenAI-compatible embeddings endpoint, uploads are embedded in the background and
/// search is hybrid; the tenant wall holds for vectors too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_embedded_in_the_background_and_search_turns_hybrid() {
    let provider = testkit::FakeProvider::start().await;
    let embedder = llm::embeddings::OpenAiEmbeddings::new(
        "fake",
        &provider.base_url,
        "fake-embedding",
        None,
        llm::providers::http::Timeouts::default(),
    )
    .unwrap();
    let model = llm::embeddings::Embedder::name(&embedder);
    let app = testkit::spawn_app_with_options(
        Backend::Sqlite,
        AppOptions {
            agents: true,
            embedder: Some(Arc::new(embedder)),
            ..AppOptions::default()
        },
    )
    .await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let response = upload(
        &app,
        &t.admin_key,
        &[file("pricing.md", PRICING_MD.as_bytes())],
    )
    .await;
    assert_eq!(response.status(), 201);
    upload(
        &app,
        &other.admin_key,
        &[file(
            "router.md",
            b"# Routers\n\nOSPF failover for branch offices.",
        )],
    )
    .await;
    embedded(&app, t.id, &model).await;
    embedded(&app, other.id, &model).await;
    assert!(
        !provider.embedding_requests().is_empty(),
        "the endpoint was called"
    );

    let results = search(&app, &t.admin_key, "q=volume+discounts").await;
    assert_eq!(results["mode"], "hybrid");
    assert_eq!(sources(&results), ["pricing.md"]);
    assert!(
        sources(&search(&app, &t.admin_key, "q=OSPF+failover+branch+offices").await).is_empty()
    );

    // A model endpoint that fails degrades search to BM25 and says so.
    provider.fail_embeddings(100);
    let degraded = search(&app, &t.admin_key, "q=volume+discounts").await;
    assert_eq!(degraded["mode"], "bm25");
    assert_eq!(sources(&degraded), ["pricing.md"]);
}

/// With vectors in Qdrant (its REST API, faked): a collection per tenant, hybrid search,
/// deletes reach the points, and a Qdrant outage degrades search to BM25.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_can_live_in_qdrant_one_collection_per_tenant() {
    let provider = testkit::FakeProvider::start().await;
    let qdrant = testkit::FakeQdrant::start(Some("qdrant-secret")).await;
    let embedder = llm::embeddings::OpenAiEmbeddings::new(
        "fake",
        &provider.base_url,
        "fake-embedding",
        None,
        llm::providers::http::Timeouts::default(),
    )
    .unwrap();
    let model = llm::embeddings::Embedder::name(&embedder);
    let client = knowledge::qdrant::Qdrant::new(knowledge::qdrant::QdrantConfig {
        url: qdrant.url.clone(),
        api_key: Some("qdrant-secret".into()),
        collection_prefix: "aa_".into(),
    })
    .unwrap();
    let app = testkit::spawn_app_with_options(
        Backend::Sqlite,
        AppOptions {
            agents: true,
            embedder: Some(Arc::new(embedder)),
            qdrant: Some(client),
            ..AppOptions::default()
        },
    )
    .await;
    let t = app.tenant("skyvera").await;
    let other = app.tenant("jigtree").await;
    let created: Value = upload(
        &app,
        &t.admin_key,
        &[
            file("pricing.md", PRICING_MD.as_bytes()),
            field("region", "EMEA"),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    upload(
        &app,
        &other.admin_key,
        &[file(
            "router.md",
            b"# Routers\n\nVolume discounts for OSPF routers.",
        )],
    )
    .await;
    embedded(&app, t.id, &model).await;
    embedded(&app, other.id, &model).await;

    let results = search(&app, &t.admin_key, "q=volume+discounts&region=EMEA").await;
    assert_eq!(results["mode"], "hybrid");
    assert_eq!(sources(&results), ["pricing.md"]);
    assert!(qdrant.searches() > 0, "vectors came from Qdrant");
    // B's words, searched as B: only B's document, though A's shares "volume discounts".
    assert_eq!(
        sources(&search(&app, &other.admin_key, "q=volume+discounts").await),
        ["router.md"]
    );
    // Each tenant's vectors sit in its own collection (made when its index first catches up).
    let mine = format!("aa_{}", t.id);
    let theirs = format!("aa_{}", other.id);
    assert_eq!(qdrant.collections(), {
        let mut both = vec![mine.clone(), theirs.clone()];
        both.sort();
        both
    });
    assert!(qdrant.points(&mine) >= 1 && qdrant.points(&theirs) >= 1);
    // A region filter applies to the vectors too.
    assert!(
        sources(&search(&app, &t.admin_key, "q=volume+discounts&region=APAC").await).is_empty()
    );

    // Delete reaches Qdrant at the next catch-up.
    let id = created["document"]["id"].as_str().unwrap();
    let deleted = app
        .delete(&t.admin_key, &format!("/api/v1/knowledge/documents/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(sources(&search(&app, &t.admin_key, "q=volume+discounts").await).is_empty());
    assert_eq!(qdrant.points(&mine), 0);

    // Qdrant down: search still answers from full text and says so.
    upload(
        &app,
        &t.admin_key,
        &[file(
            "terms.md",
            b"# Terms\n\nVolume discounts apply yearly.",
        )],
    )
    .await;
    embedded(&app, t.id, &model).await;
    qdrant.set_down(true);
    let degraded = search(&app, &t.admin_key, "q=volume+discounts").await;
    assert_eq!(degraded["mode"], "bm25");
    assert_eq!(sources(&degraded), ["terms.md"]);
}

/// With all-MiniLM-L6-v2, a question that shares no word with the answer still finds it: the
/// point of vectors. Needs the model (`AGENT_ARMY_TEST_MINILM_DIR`, set by scripts/test.sh).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_model_finds_answers_that_share_no_words_with_the_question() {
    let Some(dir) = std::env::var_os("AGENT_ARMY_TEST_MINILM_DIR") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the model"
        );
        eprintln!("skipped: AGENT_ARMY_TEST_MINILM_DIR is not set");
        return;
    };
    let embedder = local_embeddings::LocalEmbeddings::load(std::path::Path::new(&dir)).unwrap();
    let model = llm::embeddings::Embedder::name(&embedder);
    let app = testkit::spawn_app_with_options(
        Backend::Sqlite,
        AppOptions {
            agents: true,
            embedder: Some(Arc::new(embedder)),
            ..AppOptions::default()
        },
    )
    .await;
    let t = app.tenant("skyvera").await;
    for (name, text) in [
        (
            "sso.md",
            "# Identity\n\nThe platform supports single sign-on through SAML 2.0 and OpenID Connect, with SCIM provisioning.",
        ),
        (
            "uptime.md",
            "# Reliability\n\nThe service level agreement guarantees 99.95 percent availability each month.",
        ),
        (
            "billing.md",
            "# Invoices\n\nInvoices are issued quarterly in advance and are payable within thirty days.",
        ),
    ] {
        let response = upload(&app, &t.admin_key, &[file(name, text.as_bytes())]).await;
        assert_eq!(response.status(), 201);
    }
    embedded(&app, t.id, &model).await;
    let results = search(
        &app,
        &t.admin_key,
        "q=How+do+employees+log+in+with+their+corporate+identity+provider",
    )
    .await;
    assert_eq!(results["mode"], "hybrid");
    assert_eq!(sources(&results)[0], "sso.md", "{results}");
    let results = search(&app, &t.admin_key, "q=what+happens+if+the+system+goes+down").await;
    assert_eq!(sources(&results)[0], "uptime.md", "{results}");
}
