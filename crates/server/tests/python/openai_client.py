"""Drives Agent Army's OpenAI-compatible endpoint with the official `openai` client.

Usage: python3 openai_client.py BASE_URL API_KEY
Exits non-zero with a message on the first mismatch.
"""

import sys

import openai


def main() -> None:
    base_url, api_key = sys.argv[1], sys.argv[2]
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=api_key, max_retries=0)

    models = [m.id for m in client.models.list()]
    assert "sales" in models and len(models) == 8, models

    reply = client.chat.completions.create(
        model="sales",
        messages=[
            {"role": "system", "content": "You are the account executive."},
            {"role": "user", "content": "What is the status of the Acme deal?"},
        ],
    )
    text = reply.choices[0].message.content
    assert reply.object == "chat.completion", reply
    assert reply.model == "sales", reply.model
    assert text, "empty reply"
    assert reply.usage is not None and reply.usage.total_tokens > 0, reply.usage

    pieces = []
    finish = None
    usage = None
    stream = client.chat.completions.create(
        model="sales",
        messages=[{"role": "user", "content": "Stream it."}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    assert "".join(pieces), "no streamed text"
    assert finish == "stop", finish
    assert usage is not None and usage.total_tokens > 0, usage

    try:
        client.chat.completions.create(model="no-such-role", messages=[{"role": "user", "content": "hi"}])
    except openai.NotFoundError:
        pass
    else:
        raise AssertionError("an unknown model must be a 404")

    bad = openai.OpenAI(base_url=f"{base_url}/v1", api_key="wrong", max_retries=0)
    try:
        bad.models.list()
    except openai.AuthenticationError:
        pass
    else:
        raise AssertionError("a wrong key must be a 401")

    print("ok", "".join(pieces)[:60])


if __name__ == "__main__":
    main()
