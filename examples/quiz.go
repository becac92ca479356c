// A quiz generator on the Go SDK: the figures appear above both calls.
package main

import (
	"context"
	"fmt"

	"github.com/anthropics/anthropic-sdk-go"
)

const instructions = "You write multiple-choice quiz questions with four options and mark the right one."

func main() {
	client := anthropic.NewClient()
	ctx := context.Background()

	quiz, err := client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     anthropic.ModelClaudeSonnet4_5,
		MaxTokens: 1024,
		System:    []anthropic.TextBlockParam{{Text: instructions}},
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("Write three questions about the water cycle.")),
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(quiz.Content[0].Text)

	count, _ := client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{
		Model: anthropic.ModelClaudeHaiku4_5,
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("Grade this answer: evaporation comes first.")),
		},
	})
	fmt.Println(count.InputTokens)
}
