from aftercare.cli import main

main(prog_name="aftercare")
