from narrazioni.cli import main

main()
