"""The schema documents the error answers of read operations (renewal/api/schema.py), so that fuzzing's
status-code conformance check can hold: 400 for unreadable filters, 401/403 for signed-in operations, 404
for an object by id, 429 where requests are throttled."""

from tests.fuzz.test_api_fuzz import schema_document


def test_read_operations_document_their_error_answers(db):
    paths = schema_document()["paths"]
    reads = {path: item["get"] for path, item in paths.items() if "get" in item}
    assert reads
    for path, operation in reads.items():
        responses = operation["responses"]
        assert "400" in responses, path
        if "{" in path:
            assert "404" in responses, path
        if {} not in operation.get("security", []):
            assert {"401", "403"} <= set(responses), path
    assert {"400", "404"} <= set(paths["/api/v1/public-notices/{id}/"]["get"]["responses"])
    assert "403" not in paths["/api/v1/public-notices/{id}/"]["get"]["responses"]  # anyone may read
    assert {"400", "429"} <= set(paths["/api/v1/auth/token/"]["post"]["responses"])
    detail = paths["/api/v1/projects/{id}/"]["get"]["responses"]["404"]["content"]["application/json"]
    assert detail["schema"] == {"$ref": "#/components/schemas/ReadError"}
