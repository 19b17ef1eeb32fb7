"""/openapi.json and the routes' real answers agree: every documented operation is driven with
example requests (``tests/openapi_cases.py``) and each answer is validated against the document
with openapi-core; the document itself names every operation, shows an example of every
request body and documents the error body on every 4xx answer."""

from __future__ import annotations

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from facial_backend.extensions import db, get_storage
from facial_backend.models.recordings import Recording
from tests.openapi_cases import (
    AWAITING_CASES,
    AWAITING_EXAMPLES,
    CASES,
    INITIATE,
    LOCAL_STORAGE_ONLY,
    M4A,
    NOTE,
    POINT,
    SEGMENT,
    World,
    tus_metadata,
)

METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}
ERROR_SCHEMA = "#/components/schemas/Error"
CONSOLE_TAG = "console"


@pytest.fixture
def spec(client) -> dict:
    return client.get("/openapi.json").json


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def _world(client, app, make_user) -> World:
    world = World()
    _, world.operator = make_user("opal", "operator")
    _, world.evaluator = make_user("eva", "evaluator")
    make_user("cli", "client")
    world.sid = client.post("/api/sessions", json={"name": "Run 1"}).json["id"]
    world.doomed_sid = client.post("/api/sessions", json={"name": "Doomed"}).json["id"]
    world.note_id = client.post(f"/api/sessions/{world.sid}/notes", json=NOTE).json["id"]
    client.post(f"/api/sessions/{world.sid}/telemetry", json=POINT)
    world.task_id = client.post(f"/api/sessions/{world.sid}/stt/tasks",
                                json={"audio_chunk_id": "chunk-1"}).json["id"]
    segment = client.post("/api/session/segment", json=SEGMENT, headers={
        "Authorization": f"Bearer {world.evaluator}"})
    world.segment_id = segment.json["segmentId"]
    _recording_app_world(client, app, make_user, world)
    with app.test_request_context(base_url="http://localhost/"):
        storage = get_storage()
        if storage.name == "local":
            storage.put_bytes("contract-hello.txt", b"hello", "text/plain")
            world.object_url = storage.presigned_download("contract-hello.txt", expires_in=60).split(
                "localhost", 1)[1]
            world.upload_fields = storage.presigned_upload("contract/clip.mp4", "video/mp4", max_bytes=1024,
                                                           expires_in=60).fields
    return world


def _recording_app_world(client, app, make_user, world: World) -> None:
    """A recording-app session (its video "v" is sent by the chunk cases), a recorder's
    initiated recording with its file stored as the phone's POST leaves it, an admin."""
    _, world.recorder = make_user("rita", "recorder")
    _, world.admin = make_user("ada", "admin")
    world.rec_sid = client.post("/api/session/create", json={}).json["session_id"]
    started = client.post("/api/v1/recordings/upload/initiate", json=INITIATE,
                          headers={"Authorization": f"Bearer {world.recorder}"}).json
    world.recording_id = started["recording_id"]
    with app.app_context():
        get_storage().put_bytes(db.session.get(Recording, world.recording_id).storage_key, M4A, "audio/m4a")
    created = client.post("/files/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10",
                                              "Upload-Metadata": tus_metadata(world.rec_sid, "t")})
    world.tus_id = created.headers["Location"].rsplit("/", 1)[1]


def console_page(operation: dict) -> bool:
    """The operator console's HTML pages (tests/console drives them signed in, with CSRF)."""
    return CONSOLE_TAG in operation.get("tags", [])


def test_every_operation_has_example_requests(app, spec):
    """Every operation of the API (the console's pages have their own tests)."""
    declared = {key for key, operation in operations(spec) if not console_page(operation)}
    assert sorted(declared - set(CASES) - AWAITING_CASES) == []
    assert sorted((set(CASES) | AWAITING_CASES) - set(dict(operations(spec)))) == []


def test_real_answers_match_the_document(client, app, make_user, spec):
    app.config["STT_ENGINE"] = "fake"
    openapi = OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers={
        "text/markdown": lambda body: body.decode()}))
    world = _world(client, app, make_user)
    local = get_storage_name(app) == "local"
    problems = []
    for operation, cases in CASES.items():
        if operation in LOCAL_STORAGE_ONLY and not local:
            continue
        method = operation.split(" ", 1)[0]
        for case in cases:
            sent, response = case.send(client, method, world)
            with response:
                problems += _disagreements(openapi, operation, case, sent, response)
    assert not problems, "\n".join(problems)


def _disagreements(openapi: OpenAPI, operation: str, case, sent, response) -> list[str]:
    where = f"{operation} {case.url} -> {response.status_code}"
    if response.status_code != case.status:
        return [f"{where}, expected {case.status}: {response.get_data(as_text=True)[:200]}"]
    response.get_data()  # read (and so closed) here: openapi-core's wrapper would lose the close
    request = WerkzeugOpenAPIRequest(sent)
    found = [f"{where}: {error}" for error in openapi.iter_response_errors(request, WerkzeugOpenAPIResponse(response))]
    if case.status < 400:
        found += [f"{where} request: {error}" for error in openapi.iter_request_errors(request)]
    return found


def get_storage_name(app) -> str:
    with app.app_context():
        return get_storage().name


def test_every_operation_is_named_once(spec):
    names = [operation.get("operationId") for _, operation in operations(spec)]
    assert [key for key, operation in operations(spec) if not operation.get("operationId")] == []
    assert sorted({name for name in names if names.count(name) > 1}) == []


def test_every_request_body_has_an_example(spec):
    missing = [key for key, operation in operations(spec) if "requestBody" in operation and not any(
        "example" in media or "examples" in media for media in operation["requestBody"]["content"].values())]
    assert sorted(set(missing) - AWAITING_EXAMPLES) == []


def test_every_error_answer_documents_the_error_body(spec):
    """The JSON error body; on the operations tagged as console pages, an HTML error page
    (a documented text/html answer), by design, never the JSON error body."""
    def schema_of(response: dict) -> str | None:
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        if "text/html" in response.get("content", {}):
            return "text/html"
        return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")

    def body_expected(operation: dict) -> str:
        return "text/html" if console_page(operation) else ERROR_SCHEMA

    undocumented = [f"{key} {status}" for key, operation in operations(spec)
                    for status, response in operation["responses"].items()
                    if (status.startswith("4") or status == "default" and console_page(operation))
                    and schema_of(response) != body_expected(operation)]
    assert undocumented == []
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == {
        "error", "code", "detail", "fields", "request_id"}


def test_swagger_ui_can_authorize_both_ways(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["oauth2"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    token_form = spec["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in token_form


def test_the_password_grant_swagger_ui_sends_gives_a_token(client, make_user):
    make_user("alice", "recorder")
    answer = client.post("/api/v1/auth/token", data={"grant_type": "password", "username": "alice",
                                                     "password": "secret-pass", "scope": ""})
    assert answer.status_code == 200 and answer.json["token_type"] == "bearer"
    assert client.get("/api/session/segments", headers={
        "Authorization": f"Bearer {answer.json['access_token']}"}).status_code == 403
