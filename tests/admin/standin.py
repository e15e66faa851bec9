# A stand-in for OMERO's Ice servers in the admin tests: started by IceGrid
# in place of java (Blitz, Indexer, ...) or python (Processor, Tables, ...),
# it activates the object adapters IceGrid configured for it (so the server
# becomes "active"), and for Blitz serves a Glacier2 session manager that
# refuses sessions, as Blitz does for the status check.
#
# Failure modes for the tests, from the server's own properties:
#   omero.standin.fail=<server id>   exit at once (the server never activates)
import sys

import Glacier2
import Ice


class SessionManager(Glacier2.SessionManager):
    def create(self, user, control, current=None):
        raise Glacier2.CannotCreateSessionException("stand-in Blitz: no sessions for " + user)


class Verifier(Glacier2.PermissionsVerifier):
    def checkPermissions(self, user, password, current=None):
        return (False, "stand-in Blitz")


def log(server, text):
    # Like OMERO's servers: var/log/<server>.log under the node's directory.
    with open("var/log/%s.log" % server, "a") as f:
        f.write("stand-in %s: %s\n" % (server, text))


def main(argv):
    with Ice.initialize(argv) as ic:
        props = ic.getProperties()
        server = props.getProperty("Ice.Admin.ServerId")
        if props.getProperty("omero.standin.fail") == server:
            log(server, "ERROR told to fail (omero.standin.fail)")
            return 3
        adapters = [k[: -len(".AdapterId")] for k in props.getPropertiesForPrefix("")
                    if k.endswith(".AdapterId")]
        for name in adapters:
            adapter = ic.createObjectAdapter(name)
            if name == "BlitzAdapter":
                adapter.add(SessionManager(), Ice.stringToIdentity("BlitzManager"))
                adapter.add(Verifier(), Ice.stringToIdentity("BlitzVerifier"))
            adapter.activate()
        log(server, "ready: " + ", ".join(adapters))
        ic.waitForShutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
