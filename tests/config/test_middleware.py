def test_nul_in_a_query_parameter_or_json_body_is_a_400(client, org):
    from onevoice.accounts.choices import Role

    client.force_login(org.users[Role.SALES_REP])
    response = client.get("/api/field/clinics", {"territory": "\x00"})
    assert response.status_code == 400
    assert b"NUL character" in response.content
    response = client.post(
        "/api/campaigns/none/objections", '{"text": "a\\u0000b"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert client.get("/api/field/clinics", {"territory": "N1"}).status_code == 200
