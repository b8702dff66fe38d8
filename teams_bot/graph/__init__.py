"""Microsoft Graph: the directory sync from Entra ID and the app's installation for people.

Only ``teams_bot.graph.client`` and the modules it serves import ``msgraph``; the mapping and
the sync see plain values.
"""
