from api import create_app


def test_healthz():
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_unknown_route_is_a_json_error():
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"
