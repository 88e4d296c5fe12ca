from onevoice.cli import main

main()
