import json


def test_smoke(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    print([k for k in spec["components"]["schemas"] if not k.startswith("Form_")])
    print(spec["components"]["responses"]["DEFAULT_ERROR"], spec["components"]["schemas"]["Error"], spec["components"]["responses"].keys())
    assert 0
