// A quiz generator on the Java SDK: the figures appear above both calls.
import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Model;

public final class Quiz {
    private static final String INSTRUCTIONS = "You write multiple-choice quiz questions with four options and mark the right one.";

    public static void main(String[] args) {
        AnthropicClient client = AnthropicOkHttpClient.fromEnv();

        MessageCreateParams params = MessageCreateParams.builder()
                .model(Model.CLAUDE_SONNET_4_5)
                .maxTokens(1024L)
                .system(INSTRUCTIONS)
                .addUserMessage("Write three questions about the water cycle.")
                .build();
        System.out.println(client.messages().create(params).content());

        long tokens = client.messages().countTokens(MessageCountTokensParams.builder()
                .model(Model.CLAUDE_HAIKU_4_5)
                .addUserMessage("Grade this answer: evaporation comes first.")
                .build()).inputTokens();
        System.out.println(tokens);
    }
}
