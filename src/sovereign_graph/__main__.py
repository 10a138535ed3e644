from sovereign_graph.cli import app

app(prog_name="sovereign")
