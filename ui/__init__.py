"""reviewqa's faces: the CLI, the HTTP API, the Gradio app and the widget; thin adapters."""
