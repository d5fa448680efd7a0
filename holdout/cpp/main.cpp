// Hold-out hello world on the C++ Lambda runtime (aws-lambda-cpp): every invocation answers "ok".
#include <aws/lambda-runtime/runtime.h>

namespace {

aws::lambda_runtime::invocation_response hello(aws::lambda_runtime::invocation_request const& /*request*/)
{
    return aws::lambda_runtime::invocation_response::success("\"ok\"", "application/json");
}

} // namespace

int main()
{
    aws::lambda_runtime::run_handler(hello);
    return 0;
}
