import anthropic

client = anthropic.Anthropic()

SYSTEM = (
    "You are a classifier for customer emails. "
    "Answer with exactly one label: billing, shipping, product or account."
)

EXAMPLES = [
    {"role": "user", "content": "I was charged twice for my last order."},
    {"role": "assistant", "content": "billing"},
    {"role": "user", "content": "Where is my parcel? It has not moved for a week."},
    {"role": "assistant", "content": "shipping"},
]


def classify(email: str) -> str:
    message = client.messages.create(
        model="claude-haiku-5-5",
        max_tokens=10,
        system=SYSTEM,
        messages=EXAMPLES + [{"role": "user", "content": email}],
    )
    return message.content[0].text


def estimate() -> int:
    count = client.messages.count_tokens(
        model="claude-haiku-5-5",
        system=SYSTEM,
        messages=[
            {"role": "user", "content": """How do I change the email address
on my account? The settings page gives an error."""},
        ],
    )
    return count.input_tokens
