// Reports a push notification interaction to Spoor, as an Android app does
// when the user opens a notification (seed 002). JDK 17, java.net.http only.
//
//   java PushInteractionClient.java BASE_URL ORG_ID TRACKING_ID DEVICE_TOKEN [STATUS]
//
// Prints the HTTP status, then the answer's body; exits 0 on a 202.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public final class PushInteractionClient {
  // 0 = received, 1 = opened, 2 = dismissed.
  static int send(HttpClient http, String baseUrl, String orgId, String trackingId,
                  String deviceToken, int status, StringBuilder answer) throws Exception {
    // The org id is the Spoor workspace id.
    URI uri = URI.create(String.format("%s/api/v1.0/orgs/%s/pushdatareceiver/events",
                                       baseUrl.replaceAll("/+$", ""), orgId));
    String body = String.format(
        "{\"TrackingId\":\"%s\",\"DeviceToken\":\"%s\",\"PushNotificationStatus\":\"%d\"}",
        escape(trackingId), escape(deviceToken), status);
    HttpRequest request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    answer.append(response.body());
    return response.statusCode();
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    return out.toString();
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: PushInteractionClient BASE_URL ORG_ID TRACKING_ID DEVICE_TOKEN [STATUS]");
      System.exit(2);
    }
    int status = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    StringBuilder answer = new StringBuilder();
    int code = send(http, args[0], args[1], args[2], args[3], status, answer);
    System.out.println(code);
    System.out.println(answer);
    System.exit(code == 202 ? 0 : 1);
  }
}
