from openpeel.cli.app import main

main()
