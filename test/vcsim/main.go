// The vCenter the vCenter-link tests talk to: govmomi's vCenter simulator (Debian's
// golang-github-vmware-govmomi-dev, built with GOPATH=/usr/share/gocode by
// test/helpers/vcsim.ts), started on a free loopback port with TLS, driven over stdin.
//
// On start it prints one JSON line on stdout:
//
//	{"url":"https://127.0.0.1:PORT/sdk","host":"127.0.0.1","port":PORT,
//	 "thumbprint":"AB:CD:..." (SHA-256 of the server certificate), "certificatePem":"...",
//	 "datacenters":["DC0","DC1"]}
//
// then reads one JSON command per line on stdin and answers each with one JSON line
// {"id":..., "ok":true, ...} or {"id":..., "ok":false, "error":"..."}:
//
//	create-vm        {name, instanceUuid, uuid?, datacenter, powerOn?}  -> {moref, vmPathName}
//	delete-vm        {instanceUuid}                                     (Destroy_Task: gone from the inventory)
//	power-on         {instanceUuid}
//	power-state      {instanceUuid}                                     -> {powerState}
//	rename-vm        {instanceUuid, name}
//	set-credentials  {user, password}                                   (logins from now on need these)
//	expire-sessions  {}                                                 (every session made so far is gone: NotAuthenticated)
//	disable-power-off {instanceUuid}                                    (PowerOffVM_Task answers MethodDisabled)
//	enable-power-off {instanceUuid}                                     (and works again; delete-vm does it first)
//	stop             {}                                                 (or end of stdin)
//
// The simulator itself is the package's; this program only arranges it: the model
// (datacenters without the sample VMs), a certificate of its own made for this run
// (so a test can present a thumbprint that is not this server's), and a wrapper that
// forgets expired sessions' cookies so the simulator answers NotAuthenticated.
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// sessions remembers the session cookies the simulator handed out, and which are expired.
type sessions struct {
	mu      sync.Mutex
	seen    map[string]bool
	expired map[string]bool
}

func (s *sessions) expireAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.seen {
		if !s.expired[k] {
			s.expired[k] = true
			n++
		}
	}
	return n
}

// wrap drops the cookie of an expired session before the simulator sees the request
// (it then answers as vCenter does for a session it no longer has) and records the
// session cookies it sets.
func (s *sessions) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(soap.SessionCookieName); err == nil {
			s.mu.Lock()
			gone := s.expired[c.Value]
			s.mu.Unlock()
			if gone {
				var kept []string
				for _, c := range r.Cookies() {
					if c.Name != soap.SessionCookieName {
						kept = append(kept, c.String())
					}
				}
				r.Header.Del("Cookie")
				if len(kept) > 0 {
					r.Header.Set("Cookie", strings.Join(kept, "; "))
				}
			}
		}
		next.ServeHTTP(&recorder{ResponseWriter: w, s: s}, r)
	})
}

type recorder struct {
	http.ResponseWriter
	s     *sessions
	noted bool
}

// note records the session cookie the simulator sets, once, before the header goes out.
func (r *recorder) note() {
	if r.noted {
		return
	}
	r.noted = true
	for _, c := range (&http.Response{Header: r.Header()}).Cookies() {
		if c.Name == soap.SessionCookieName {
			r.s.mu.Lock()
			r.s.seen[c.Value] = true
			r.s.mu.Unlock()
		}
	}
}

func (r *recorder) WriteHeader(code int) {
	r.note()
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.note()
	return r.ResponseWriter.Write(b)
}

// certificate makes a self-signed ECDSA certificate for 127.0.0.1, new at every start.
func certificate() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "vcsim.test", Organization: []string{"vvol-provider tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, der, nil
}

func thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

type command struct {
	ID           interface{} `json:"id"`
	Cmd          string      `json:"cmd"`
	Name         string      `json:"name"`
	InstanceUUID string      `json:"instanceUuid"`
	UUID         string      `json:"uuid"`
	Datacenter   string      `json:"datacenter"`
	PowerOn      bool        `json:"powerOn"`
	User         string      `json:"user"`
	Password     string      `json:"password"`
}

type control struct {
	ctx      context.Context
	c        *vim25.Client
	listen   *url.URL
	sessions *sessions
}

func (k *control) vm(instanceUUID string) (*object.VirtualMachine, error) {
	yes := true
	ref, err := object.NewSearchIndex(k.c).FindByUuid(k.ctx, nil, instanceUUID, true, &yes)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, fmt.Errorf("no VM has the instance UUID %s", instanceUUID)
	}
	return ref.(*object.VirtualMachine), nil
}

func (k *control) createVM(cmd command) (map[string]interface{}, error) {
	finder := find.NewFinder(k.c, false)
	dc, err := finder.Datacenter(k.ctx, cmd.Datacenter)
	if err != nil {
		return nil, err
	}
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(k.ctx)
	if err != nil {
		return nil, err
	}
	pool, err := finder.DefaultResourcePool(k.ctx)
	if err != nil {
		return nil, err
	}
	ds, err := finder.DefaultDatastore(k.ctx)
	if err != nil {
		return nil, err
	}
	spec := types.VirtualMachineConfigSpec{
		Name:         cmd.Name,
		GuestId:      string(types.VirtualMachineGuestOsIdentifierOtherGuest64),
		InstanceUuid: cmd.InstanceUUID,
		Uuid:         cmd.UUID,
		Files:        &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s]", ds.Name())},
	}
	task, err := folders.VmFolder.CreateVM(k.ctx, spec, pool, nil)
	if err != nil {
		return nil, err
	}
	info, err := task.WaitForResult(k.ctx, nil)
	if err != nil {
		return nil, err
	}
	ref := info.Result.(types.ManagedObjectReference)
	vm := object.NewVirtualMachine(k.c, ref)
	if cmd.PowerOn {
		if err := wait(k.ctx, vm.PowerOn); err != nil {
			return nil, err
		}
	}
	var props mo.VirtualMachine
	if err := vm.Properties(k.ctx, ref, []string{"config.files.vmPathName"}, &props); err != nil {
		return nil, err
	}
	return map[string]interface{}{"moref": ref.Value, "vmPathName": props.Config.Files.VmPathName}, nil
}

func wait(ctx context.Context, start func(context.Context) (*object.Task, error)) error {
	task, err := start(ctx)
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}

// setPowerOff enables or disables PowerOffVM_Task of a VM (the simulator names it PowerOffVMTask).
func (k *control) setPowerOff(vm *object.VirtualMachine, enabled bool) {
	obj := simulator.Map.Get(vm.Reference()).(*simulator.VirtualMachine)
	simulator.Map.WithLock(obj, func() {
		var kept []string
		for _, m := range obj.DisabledMethod {
			if m != "PowerOffVMTask" {
				kept = append(kept, m)
			}
		}
		if !enabled {
			kept = append(kept, "PowerOffVMTask")
		}
		obj.DisabledMethod = kept
	})
}

func (k *control) do(cmd command) (map[string]interface{}, error) {
	switch cmd.Cmd {
	case "create-vm":
		return k.createVM(cmd)
	case "delete-vm", "power-on", "power-state", "rename-vm", "disable-power-off", "enable-power-off":
		vm, err := k.vm(cmd.InstanceUUID)
		if err != nil {
			return nil, err
		}
		switch cmd.Cmd {
		case "delete-vm":
			k.setPowerOff(vm, true)
			state, err := vm.PowerState(k.ctx)
			if err == nil && state == types.VirtualMachinePowerStatePoweredOn {
				err = wait(k.ctx, vm.PowerOff)
			}
			if err != nil {
				return nil, err
			}
			return nil, wait(k.ctx, vm.Destroy)
		case "power-on":
			return nil, wait(k.ctx, vm.PowerOn)
		case "power-state":
			state, err := vm.PowerState(k.ctx)
			return map[string]interface{}{"powerState": string(state)}, err
		case "rename-vm":
			return nil, wait(k.ctx, func(ctx context.Context) (*object.Task, error) { return vm.Rename(ctx, cmd.Name) })
		default: // the simulator's dispatcher refuses a disabled method with MethodDisabled
			k.setPowerOff(vm, cmd.Cmd == "enable-power-off")
			return nil, nil
		}
	case "set-credentials":
		// The simulator checks logins against its listen URL's user at every Login.
		k.listen.User = url.UserPassword(cmd.User, cmd.Password)
		return nil, nil
	case "expire-sessions":
		return map[string]interface{}{"expired": k.sessions.expireAll()}, nil
	}
	return nil, fmt.Errorf("unknown command %q", cmd.Cmd)
}

func main() {
	dcs := flag.Int("dc", 2, "datacenters (DC0, DC1, ...)")
	user := flag.String("user", "administrator@vsphere.local", "the SSO user name logins need")
	password := flag.String("password", "", "its password (empty: read from the first line of stdin)")
	flag.Parse()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	if *password == "" {
		if !in.Scan() {
			fmt.Fprintln(os.Stderr, "vcsim: no password on stdin")
			os.Exit(2)
		}
		*password = in.Text()
	}

	model := simulator.VPX()
	model.Datacenter = *dcs
	model.Machine = 0
	model.Host = 0
	model.ClusterHost = 1
	model.Autostart = false
	defer model.Remove()
	if err := model.Create(); err != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(1)
	}
	cert, der, err := certificate()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(1)
	}
	listen := &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, *password)}
	model.Service.Listen = listen
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	server := model.Service.NewServer()
	defer server.Close()
	known := &sessions{seen: map[string]bool{}, expired: map[string]bool{}}
	// Set before the first request can arrive: the URL is not printed yet.
	server.Config.Handler = known.wrap(server.Config.Handler)

	ctx := context.Background()
	// An in-process client (the simulator's own session), untouched by logins and expiry.
	client, err := vim25.NewClient(ctx, model.Service)
	if err != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(1)
	}
	var names []string
	dcList, err := find.NewFinder(client, false).DatacenterList(ctx, "*")
	if err != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %v\n", err)
		os.Exit(1)
	}
	for _, dc := range dcList {
		names = append(names, dc.Name())
	}
	host, port, _ := net.SplitHostPort(server.Listener.Addr().String())
	out := json.NewEncoder(os.Stdout)
	_ = out.Encode(map[string]interface{}{
		"url":            fmt.Sprintf("https://%s/sdk", net.JoinHostPort(host, port)),
		"host":           host,
		"port":           server.Listener.Addr().(*net.TCPAddr).Port,
		"thumbprint":     thumbprint(der),
		"certificatePem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"datacenters":    names,
	})

	k := &control{ctx: ctx, c: client, listen: listen, sessions: known}
	for in.Scan() {
		var cmd command
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			_ = out.Encode(map[string]interface{}{"ok": false, "error": err.Error()})
			continue
		}
		if cmd.Cmd == "stop" {
			_ = out.Encode(map[string]interface{}{"id": cmd.ID, "ok": true})
			return
		}
		res, err := k.do(cmd)
		if res == nil {
			res = map[string]interface{}{}
		}
		res["id"] = cmd.ID
		res["ok"] = err == nil
		if err != nil {
			res["error"] = err.Error()
		}
		_ = out.Encode(res)
	}
}
