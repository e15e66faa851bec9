#include "grid.hpp"

#include <Glacier2/Glacier2.h>
#include <Ice/Ice.h>
#include <IceGrid/IceGrid.h>

#include <regex>
#include <stdexcept>

namespace omero::admin {

namespace {

const char* state_name(IceGrid::ServerState s) {
    switch (s) {
        case IceGrid::ServerState::Inactive:
            return "inactive";
        case IceGrid::ServerState::Activating:
            return "activating";
        case IceGrid::ServerState::ActivationTimedOut:
            return "activation timed out";
        case IceGrid::ServerState::Active:
            return "active";
        case IceGrid::ServerState::Deactivating:
            return "deactivating";
        case IceGrid::ServerState::Destroying:
            return "destroying";
        case IceGrid::ServerState::Destroyed:
            return "destroyed";
    }
    return "unknown";
}

std::string what_of(const std::exception& e) {
    std::string w = e.what();
    if (auto* ue = dynamic_cast<const Ice::UserException*>(&e)) {
        if (auto* p = dynamic_cast<const IceGrid::PermissionDeniedException*>(ue))
            return "the registry refused IceGridAdmin.Username/Password: " + p->reason;
        return ue->ice_id();
    }
    return w;
}

}  // namespace

struct Grid::Impl {
    Ice::CommunicatorHolder ich;
    std::string user, password, instance;
    std::chrono::milliseconds timeout;
    std::shared_ptr<IceGrid::AdminSessionPrx> session;
    std::shared_ptr<IceGrid::AdminPrx> admin;

    template <class P>
    std::shared_ptr<P> bounded(std::shared_ptr<P> p) {
        int ms = static_cast<int>(timeout.count());
        return p->ice_invocationTimeout(ms)->ice_timeout(ms);
    }
    std::shared_ptr<IceGrid::AdminPrx> get_admin() {
        if (admin) return admin;
        auto registry = bounded(Ice::uncheckedCast<IceGrid::RegistryPrx>(ich->stringToProxy(instance + "/Registry")));
        session = bounded(registry->createAdminSession(user, password));
        admin = bounded(session->getAdmin());
        return admin;
    }
};

Grid::Grid(const std::filesystem::path& internal_cfg, std::chrono::milliseconds timeout) : impl_(new Impl) {
    Ice::InitializationData id;
    id.properties = Ice::createProperties();
    id.properties->load(internal_cfg.string());
    // Bounded everywhere, no retries, quiet: a question, not a client.
    std::string ms = std::to_string(timeout.count());
    id.properties->setProperty("Ice.Default.Timeout", ms);
    id.properties->setProperty("Ice.Default.InvocationTimeout", ms);
    id.properties->setProperty("Ice.RetryIntervals", "-1");
    id.properties->setProperty("Ice.Warn.Connections", "0");
    id.properties->setProperty("Ice.Default.LocatorCacheTimeout", "0");
    impl_->user = id.properties->getPropertyWithDefault("IceGridAdmin.Username", "root");
    impl_->password = id.properties->getPropertyWithDefault("IceGridAdmin.Password", "ome");
    impl_->timeout = timeout;
    std::string locator = id.properties->getProperty("Ice.Default.Locator");
    impl_->instance = locator.empty() ? "IceGrid" : locator.substr(0, locator.find('/'));
    impl_->ich = Ice::CommunicatorHolder(id);
}

Grid::~Grid() {
    if (impl_->session) {
        try {
            impl_->session->destroy();
        } catch (const std::exception&) {
        }
    }
}

bool Grid::node_up(const std::string& node, std::string* why) {
    try {
        if (impl_->get_admin()->pingNode(node)) return true;
        if (why) *why = "node " + node + " does not answer";
    } catch (const IceGrid::NodeNotExistException&) {
        if (why) *why = "the registry knows no node " + node;
    } catch (const std::exception& e) {
        if (why) *why = what_of(e);
    }
    return false;
}

bool Grid::sessions_up(std::string* why) {
    try {
        auto query = impl_->bounded(
            Ice::uncheckedCast<IceGrid::QueryPrx>(impl_->ich->stringToProxy(impl_->instance + "/Query")));
        auto obj = query->findObjectByType("::Glacier2::SessionManager");
        if (!obj) {
            if (why) *why = "no Glacier2 session manager is registered yet";
            return false;
        }
        auto sm = impl_->bounded(Ice::uncheckedCast<Glacier2::SessionManagerPrx>(obj));
        sm->create("####### STATUS CHECK ########", nullptr);
        return true;  // a session for nobody: up, if odd
    } catch (const Glacier2::CannotCreateSessionException&) {
        return true;  // the expected refusal: Blitz answers
    } catch (const std::exception& e) {
        if (why) *why = "the session manager does not answer: " + what_of(e);
    }
    return false;
}

std::vector<ServerStatus> Grid::servers() {
    try {
        auto admin = impl_->get_admin();
        std::vector<ServerStatus> out;
        for (const std::string& id : admin->getAllServerIds()) {
            ServerStatus s;
            s.id = id;
            try {
                auto info = admin->getServerInfo(id);
                s.node = info.node;
                if (info.descriptor) s.activation = info.descriptor->activation;
                s.state = state_name(admin->getServerState(id));
                s.pid = admin->getServerPid(id);
                s.enabled = admin->isServerEnabled(id);
            } catch (const IceGrid::NodeUnreachableException& e) {
                s.state = "node unreachable (" + e.name + ")";
            } catch (const IceGrid::DeploymentException& e) {
                s.state = "not deployed: " + e.reason;
            }
            out.push_back(std::move(s));
        }
        return out;
    } catch (const std::exception& e) {
        throw std::runtime_error(what_of(e));
    }
}

std::vector<std::string> Grid::nodes() {
    try {
        return impl_->get_admin()->getAllNodeNames();
    } catch (const std::exception& e) {
        throw std::runtime_error(what_of(e));
    }
}

void Grid::shutdown_node(const std::string& node) {
    try {
        impl_->get_admin()->shutdownNode(node);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot ask node " + node + " to shut down: " + what_of(e));
    }
}

std::vector<AppPorts> Grid::application_ports() {
    std::vector<AppPorts> out;
    try {
        auto admin = impl_->get_admin();
        static const std::regex port(R"(-p\s+(\d+))");
        for (const std::string& name : admin->getAllApplicationNames()) {
            AppPorts p{name, std::nullopt, std::nullopt};
            auto info = admin->getApplicationInfo(name);
            const auto& vars = info.descriptor.variables;
            if (auto it = vars.find("ROUTERPORT"); it != vars.end()) p.ssl = it->second;
            if (auto it = vars.find("INSECUREROUTER"); it != vars.end()) {
                std::smatch m;
                if (std::regex_search(it->second, m, port)) p.tcp = m[1];
            }
            out.push_back(std::move(p));
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(what_of(e));
    }
    return out;
}

}  // namespace omero::admin
