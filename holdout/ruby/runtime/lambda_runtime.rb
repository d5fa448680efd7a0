# frozen_string_literal: true

# A Lambda runtime client for Ruby, the part of a managed ruby3.x runtime that is not the function's: it
# plays the role of AWS's aws_lambda_ric gem, which RubyGems (not reachable from this project's machines)
# ships. Written for this project, not copied. What matters to a cold start is what it does before its
# first GET /next, and that matches the gem's start-up: the standard libraries it loads (logger, net/http,
# json), $stdout made synchronous, the function's folder on the load path, the handler's file required,
# then Net::HTTP to the Runtime API. INIT ends at that first GET.
#
#   ruby lambda_runtime.rb index.handler     (run in the function's folder, AWS_LAMBDA_RUNTIME_API set)
require 'logger'
require 'net/http'
require 'json'

$stdout.sync = true

module LambdaRuntime
  API_VERSION = '2018-06-01'

  # The Runtime API's calls this client makes, each one HTTP request.
  class Api
    def initialize(address)
      @base = "http://#{address}/#{API_VERSION}/runtime"
    end

    # The next event: its request id and body. A long read timeout: the call waits for an invocation.
    def next_invocation
      uri = URI("#{@base}/invocation/next")
      response = Net::HTTP.start(uri.host, uri.port, read_timeout: 1_000_000) { |http| http.get(uri.path) }
      raise "GET /invocation/next answered #{response.code}" unless response.is_a?(Net::HTTPSuccess)

      [response['Lambda-Runtime-Aws-Request-Id'], response.body]
    end

    def respond(request_id, body)
      post("invocation/#{request_id}/response", body, nil)
    end

    def fail_invocation(request_id, error)
      post("invocation/#{request_id}/error", error_body(error), error.class.name)
    end

    def fail_init(error)
      post('init/error', error_body(error), "Runtime.#{error.class.name}")
    end

    private

    def post(path, body, error_type)
      headers = { 'Content-Type' => 'application/json' }
      headers['Lambda-Runtime-Function-Error-Type'] = error_type if error_type
      Net::HTTP.post(URI("#{@base}/#{path}"), body, headers)
    end

    def error_body(error)
      JSON.generate(errorMessage: error.message, errorType: error.class.name, stackTrace: Array(error.backtrace))
    end
  end

  # "index.handler" → the file index.rb in the function's folder and its top-level method handler.
  def self.load_handler(handler)
    file, method_name = handler.split('.', 2)
    raise ArgumentError, "handler #{handler.inspect} is not FILE.METHOD" if file.to_s.empty? || method_name.to_s.empty?

    $LOAD_PATH.unshift(Dir.pwd) unless $LOAD_PATH.include?(Dir.pwd)
    require file
    method(method_name)
  end

  def self.run(handler_name)
    api = Api.new(ENV.fetch('AWS_LAMBDA_RUNTIME_API'))
    begin
      handler = load_handler(handler_name)
    rescue Exception => e # rubocop:disable Lint/RescueException -- a LoadError or SyntaxError in the function is an init error too
      api.fail_init(e)
      exit(1)
    end
    loop do
      request_id, body = api.next_invocation
      begin
        result = handler.call(event: JSON.parse(body.to_s.empty? ? 'null' : body), context: { aws_request_id: request_id })
        api.respond(request_id, JSON.generate(result))
      rescue StandardError => e
        api.fail_invocation(request_id, e)
      end
    end
  rescue SignalException
    # Stopped while waiting (SIGTERM, SIGINT): a clean exit, as the gem makes, not a stack trace in the logs.
    exit(0)
  end
end

abort('usage: ruby lambda_runtime.rb FILE.METHOD') if ARGV.empty?
LambdaRuntime.run(ARGV[0])
