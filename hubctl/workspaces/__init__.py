"""Research-project workspaces: manifests, range allocation, stack files, envelope encryption
and closing evidence; `hubctl workspace` (hubctl.commands.workspace) drives them."""
