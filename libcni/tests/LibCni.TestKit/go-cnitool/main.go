// go-cnitool: the Go runtime side of the tests. It drives a network config list through the reference's own
// Go libcni (Debian's golang-github-appc-cni-dev), with cnitool's interface: `go-cnitool add|check|del NETWORK
// NETNS`, NETCONFPATH, CNI_PATH, CNI_IFNAME, CNI_ARGS and CAP_ARGS, and the container ID cnitool derives from the
// netns path. CNI_CACHE_DIR keeps each test's result cache apart (cnitool's is always /var/lib/cni).
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: %s add|check|del NETWORK NETNS", filepath.Base(os.Args[0]))
	}
	verb, network, netns := os.Args[1], os.Args[2], os.Args[3]

	confDir := os.Getenv("NETCONFPATH")
	if confDir == "" {
		confDir = "/etc/cni/net.d"
	}
	list, err := libcni.LoadConfList(confDir, network)
	if err != nil {
		fail("loading %s from %s: %v", network, confDir, err)
	}

	var capabilityArgs map[string]interface{}
	if caps := os.Getenv("CAP_ARGS"); caps != "" {
		if err := json.Unmarshal([]byte(caps), &capabilityArgs); err != nil {
			fail("CAP_ARGS: %v", err)
		}
	}
	var pluginArgs [][2]string
	if args := os.Getenv("CNI_ARGS"); args != "" {
		for _, pair := range strings.Split(args, ";") {
			kv := strings.SplitN(pair, "=", 2)
			if len(kv) != 2 {
				fail("CNI_ARGS: %q is not K=V", pair)
			}
			pluginArgs = append(pluginArgs, [2]string{kv[0], kv[1]})
		}
	}
	ifName := os.Getenv("CNI_IFNAME")
	if ifName == "" {
		ifName = "eth0"
	}

	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), os.Getenv("CNI_CACHE_DIR"), nil)
	rt := &libcni.RuntimeConf{
		ContainerID:    fmt.Sprintf("cnitool-%x", sha512.Sum512([]byte(netns)))[:len("cnitool-")+20],
		NetNS:          netns,
		IfName:         ifName,
		Args:           pluginArgs,
		CapabilityArgs: capabilityArgs,
	}

	ctx := context.Background()
	switch verb {
	case "add":
		result, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail("%v", err)
		}
		if err := result.Print(); err != nil {
			fail("%v", err)
		}
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail("%v", err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail("%v", err)
		}
	default:
		fail("unknown verb %q", verb)
	}
}
