# The Python side of `omero web`: run by the interpreter that serves
# OMERO.web (omero.web.python, else python3 on PATH) with
# DJANGO_SETTINGS_MODULE and OMERODIR set, as
#   python -c <this file> ACTION [ACTION...]
# Actions: probe, collect, prune, clearsessions, check-static, and the gates
# require-web (Django and omeroweb) and require-gunicorn, which end the run
# quietly (key "stopped") when the probe before them found a module missing,
# so nothing changes before the plugin reports it. One JSON object on
# stdout, one key per action; exit 3 when an action failed (its "error").
# Embedded in the web plugin at build time; it never writes anything but the
# static root (collect, prune) and the session store (clearsessions).
import json
import os
import sys


def version_of(module):
    mod = __import__(module)
    return str(getattr(mod, "__version__", getattr(mod, "VERSION", "unknown")))


def probe():
    out = {"python": sys.executable, "python_version": sys.version.split()[0]}
    for name in ("django", "gunicorn", "omeroweb"):
        try:
            out[name] = version_of(name) if name != "django" else __import__("django").get_version()
            if name == "omeroweb":
                out["omeroweb_dir"] = os.path.dirname(__import__("omeroweb").__file__)
        except Exception as e:  # missing or broken: reported, not fatal
            out[name + "_error"] = "%s: %s" % (type(e).__name__, e)
    return out


_django_ready = False


def setup():
    global _django_ready
    if not _django_ready:
        import django
        django.setup()
        _django_ready = True


def expected_static():
    from django.contrib.staticfiles.finders import get_finders
    expected = {}
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            rel = os.path.join(prefix, path) if prefix else path
            expected.setdefault(rel, storage.path(path))
    return expected


def plain_storage():
    from django.contrib.staticfiles.storage import staticfiles_storage, StaticFilesStorage
    return type(staticfiles_storage._wrapped if hasattr(staticfiles_storage, "_wrapped") else staticfiles_storage) \
        is StaticFilesStorage


def static_root():
    from django.conf import settings
    return settings.STATIC_ROOT


def collected_files(root):
    found = set()
    for base, dirs, files in os.walk(root):
        for f in files:
            found.add(os.path.relpath(os.path.join(base, f), root))
    found.discard(MANIFEST)
    return found


MANIFEST = ".omero-static-manifest"


def read_manifest(root):
    # What earlier syncmedia runs put in the static root: the only files a
    # prune may remove (never another site's, never what we did not copy).
    try:
        with open(os.path.join(root, MANIFEST)) as f:
            return set(json.load(f))
    except (OSError, ValueError):
        return None


def write_manifest(root, files):
    tmp = os.path.join(root, MANIFEST + ".tmp")
    with open(tmp, "w") as f:
        json.dump(sorted(files), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(root, MANIFEST))


def collect():
    setup()
    from django.core.management import call_command
    from django.contrib.staticfiles.management.commands import collectstatic
    cmd = collectstatic.Command()
    call_command(cmd, interactive=False, verbosity=0)
    root = static_root()
    if plain_storage():
        write_manifest(root, (read_manifest(root) or set()) | set(expected_static()))
    return {"static_root": root, "copied": len(cmd.copied_files) + len(cmd.symlinked_files),
            "unmodified": len(cmd.unmodified_files), "post_processed": len(cmd.post_processed_files)}


def prune():
    # Files an earlier syncmedia put in the static root that no installed app
    # provides any more (the previous release's): removed, so the web server
    # cannot serve them. Files it did not put there are never touched.
    setup()
    root = static_root()
    if not plain_storage():
        return {"removed": 0, "skipped": "the static files storage is not Django's plain StaticFilesStorage"}
    ours = read_manifest(root)
    if ours is None:
        return {"removed": 0, "skipped": "no record of what an earlier syncmedia copied (%s): nothing removed"
                % os.path.join(root, MANIFEST)}
    expected = set(expected_static())
    removed, dirs = [], set()
    for rel in sorted((ours - expected) & collected_files(root)):
        os.unlink(os.path.join(root, rel))
        removed.append(rel)
        dirs.add(os.path.dirname(rel))
    write_manifest(root, ours & expected)
    for d in sorted(dirs, key=len, reverse=True):  # only folders our removals emptied
        while d:
            try:
                os.rmdir(os.path.join(root, d))
            except OSError:
                break
            d = os.path.dirname(d)
    return {"removed": len(removed), "files": removed[:50]}


def check_static():
    setup()
    root = static_root()
    expected = expected_static()
    have = collected_files(root) if os.path.isdir(root) else set()
    missing = [r for r in expected if r not in have]
    outdated = []
    for rel, src in expected.items():
        if rel in have:
            s, d = os.stat(src), os.stat(os.path.join(root, rel))
            if s.st_size != d.st_size or s.st_mtime > d.st_mtime:
                outdated.append(rel)
    stale = sorted(have - set(expected)) if plain_storage() else []
    return {"static_root": root, "exists": os.path.isdir(root), "expected": len(expected),
            "missing": len(missing), "outdated": len(outdated), "stale": len(stale),
            "examples": sorted(missing + outdated)[:5] + stale[:5]}


def clearsessions():
    setup()
    import io
    from django.core.management import call_command
    err = io.StringIO()
    call_command("clearsessions", stderr=err)
    return {"note": err.getvalue().strip()}


ACTIONS = {"probe": probe, "collect": collect, "prune": prune, "check-static": check_static,
           "clearsessions": clearsessions}


def main(argv):
    result, rc = {}, 0
    for action in argv:
        if action.startswith("require-"):
            needed = ["django", "omeroweb"] + (["gunicorn"] if action == "require-gunicorn" else [])
            missing = [m for m in needed if m not in result.get("probe", {})]
            if missing:
                result["stopped"] = missing
                break
            continue
        try:
            result[action] = ACTIONS[action]()
        except BaseException as e:  # reported to the plugin, which names the action
            result[action] = {"error": "%s: %s" % (type(e).__name__, e)}
            rc = 3
            break
    sys.stdout.write(json.dumps(result) + "\n")
    return rc


sys.exit(main(sys.argv[1:]))
