package calibration;

import java.util.Map;

/** A hello world, as lambda-perf deploys one for every runtime: it answers every event at once. */
public class Hello {
  public Map<String, Object> handleRequest(Map<String, Object> event) {
    return Map.of("statusCode", 200, "body", "hello world");
  }
}
