"""The demo workspace: members, accounts, finders, segments and contacts to try invitebot with."""
