"""The check stage: the rules a submission is held to (stated once for jnqh check and the template), check-JSON input, and the values an error flags."""
