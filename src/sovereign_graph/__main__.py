from sovereign_graph.cli import main

main()
