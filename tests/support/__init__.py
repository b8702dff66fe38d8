"""Reusable test harness: free ports, a loopback Bot Connector, the Playground, an echo bot."""
