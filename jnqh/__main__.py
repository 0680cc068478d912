from jnqh.cli import main

main()
