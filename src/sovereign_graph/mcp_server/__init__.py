"""The MCP server (`sovereign mcp`, extra `mcp`): runs, reports and threads as tools and resources for agents."""
