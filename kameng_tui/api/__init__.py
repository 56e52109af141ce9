"""kameng-tui's own platform API: the wire format shared by the demo server and the client."""
