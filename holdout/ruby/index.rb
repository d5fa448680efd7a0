# A hello world on ruby3.2, the shape of lambda-perf's "ruby3.2" function: its zip holds this one file and the
# handler is index.handler. It is a hold-out (holdout/README.md): the model never fits it.
def handler(event:, context:)
  { statusCode: 200, body: 'Hello from Lambda!' }
end
