"""The send stage: composing, reviewing and sending the 通报 mails (at most once)."""
