// A hello world on provided.al2023 in Go, the shape of lambda-perf's "go (prov.al2023)" function: the
// aws-lambda-go runtime loop started by lambda.Start, a handler that returns a status code and nothing else.
// It is a hold-out (holdout/README.md): the model never fits it; it tests a prediction against AWS.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type reply struct {
	StatusCode int `json:"statusCode"`
}

func handle(ctx context.Context) (reply, error) {
	return reply{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handle)
}
