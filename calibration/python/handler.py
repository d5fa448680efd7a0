"""A hello world, as lambda-perf deploys one for every runtime: it answers every event at once."""


def handler(event, context):
    return {"statusCode": 200, "body": "hello world"}
