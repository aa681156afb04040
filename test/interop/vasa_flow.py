#!/usr/bin/python3
"""
A vCenter / ESXi flow against the VASA provider with an independent SOAP toolkit
(zeep), from the WSDL the provider serves over HTTPS:

  version.xml; a bad login (InvalidLogin); a call without session (InvalidSession);
  registerVASACertificate + setContext as an ESXi host (hostGuid, iSCSI initiator);
  queryArrays, queryStorageContainer(ForArray), queryProtocolEndpointForArray; config,
  data and swap VVols with vSphere's metadata keys; queryVirtualVolume(Info); a bind
  batch; guest writes; allocated bitmap; prepareToSnapshot + snapshot (batch); more
  writes; unshared bitmap and chunks; revert and read back; fast clone; full clone
  polled with getTaskUpdate to completion; space stats; events since a sequence and
  alarms; the faults for a VVol that does not exist, a 257th snapshot generation and a
  locked licence; unbind; delete. Then storage policies and backup (issue 10): the
  capability schema (queryCapabilityMetadata); which container offers what
  (queryCapabilityProfileForResource / queryCapabilityProfile); a profile of SSD +
  RAID1/10 + backup 2 generations (+ I/O upper control) built from the schema's rule
  ids; spaceStatsForStorageContainer narrowed to the container that satisfies it; a
  VVol created there gets two RVs (and the one-backup-pool alarm); InvalidProfile with
  B.1's mismatch text on the other container; queryComplianceResult compliant, then
  nonCompliant and a Compliance alarm after the pool changes on the array; `backup
  online` / `status` / `restore` through the CLI and the data read back by guest I/O.

Guest I/O and the licence switch are not VASA operations: the script does them with
the provider's admin CLI (vvolctl: `array io write/read`, `array licence lock/unlock`,
`array poolmodify`, `backup ...`)
on the provider's data folder, the same engine path a host's I/O takes.

Exit status 0 when every step passed; otherwise 1 with the failing step on stderr.

Usage:
  vasa_flow.py --url https://127.0.0.1:9943/vasa/services/vasaService \
      --user vasaadmin --password Secret123 --data /path/to/provider-data \
      [--soap 1.1|1.2] [--cert client.crt --key client.key] [--cli dist/admin/cli.js]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
import warnings

import requests
import urllib3
from lxml import etree
from zeep import Client, Settings, xsd
from zeep.plugins import HistoryPlugin
from zeep.exceptions import Fault
from zeep.transports import Transport

warnings.filterwarnings('ignore')
urllib3.disable_warnings()

VASA_NS = 'http://com.vmware.vim.vasa/2.0/xsd'
SNAPSHOT_LIMIT_TEXT = 'You cannot create any more snapshot because the number of snapshots is limited to 256 per virtual machine.'
MiB = 1024 * 1024
NEC_NS = 'com.nec.jp.ism.vasaprovider'
PROF_NS = '{http://profile.policy.data.vasa.vim.vmware.com/xsd}'
CAP_NS = '{http://capability.policy.data.vasa.vim.vmware.com/xsd}'
COMP_NS = '{http://compliance.policy.data.vasa.vim.vmware.com/xsd}'
ONE_BACKUP_POOL_TEXT = 'The disk array has only one pool for backup.'


class StepFailed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise StepFailed(message)


class Flow:
    def __init__(self, args):
        self.args = args
        self.url = args.url
        self.step_name = ''
        self.steps = 0
        self.started = time.time()
        self.created = []

    # ------------------------------------------------------------------ plumbing
    def step(self, name):
        self.step_name = name
        self.steps += 1
        print(f'[{self.steps:02d} {time.time() - self.started:5.1f}s] {name}', flush=True)

    def session(self, with_cert=True):
        s = requests.Session()
        s.trust_env = False  # this environment sets REQUESTS_CA_BUNDLE / proxies
        s.verify = self.args.cafile or False
        if with_cert:
            s.cert = (self.args.cert, self.args.key)
        return s

    def client(self, http):
        self.history = HistoryPlugin()
        client = Client(f'{self.url}?wsdl', transport=Transport(session=http, timeout=30, operation_timeout=60),
                        settings=Settings(strict=True, xml_huge_tree=False), plugins=[self.history])
        port = 'vasaServiceHttpSoap12Endpoint' if self.args.soap == '1.2' else 'vasaServiceHttpSoap11Endpoint'
        return client, client.bind('vasaService', port)

    def fault(self, fn, *a, **kw):
        """Runs a call that must fail; gives (fault name from the detail, message)."""
        try:
            fn(*a, **kw)
        except Fault as f:
            name = None
            if f.detail is not None and len(f.detail):
                name = etree.QName(f.detail[0]).localname
                check(etree.QName(f.detail[0]).namespace == VASA_NS, f'fault detail element in namespace {etree.QName(f.detail[0]).namespace}')
                inner = f.detail[0][0] if len(f.detail[0]) else None
                check(inner is not None and etree.QName(inner).localname == name, 'fault detail without the typed inner element')
                xsi_type = inner.get('{http://www.w3.org/2001/XMLSchema-instance}type', '')
                check(xsi_type.endswith(':' + name), f'inner fault element xsi:type {xsi_type!r}')
            return name, f.message
        raise StepFailed('the call succeeded but a fault was expected')

    def expect_fault(self, expected_name, expected_message, fn, *a, **kw):
        name, message = self.fault(fn, *a, **kw)
        check(name == expected_name, f'expected fault {expected_name}, got {name}: {message}')
        if expected_message is not None:
            check(message == expected_message, f'expected fault text {expected_message!r}, got {message!r}')
        return message

    def cli(self, *argv):
        env = dict(os.environ, VASA_PROVIDER_DATA=self.args.data)
        r = subprocess.run([self.args.node, self.args.cli, *argv, '--json'], env=env, capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f'vvolctl {" ".join(argv)} exited {r.returncode}: {r.stderr.strip()}')
        return json.loads(r.stdout) if r.stdout.strip() else None

    def write(self, vvol_id, start, tokens):
        self.cli('array', 'io', 'write', vvol_id, str(start), *tokens)

    def read(self, vvol_id, start, count):
        return [row['token'] for row in self.cli('array', 'io', 'read', vvol_id, str(start), str(count))]

    @staticmethod
    def bits(data):
        # zeep hands a one-field result (VirtualVolumeBitmapResult) back as the field itself
        data = getattr(data, 'chunkBitmap', data)
        return ''.join(f'{b:08b}' for b in data)

    @staticmethod
    def md(**kv):
        return [{'parameterName': k, 'parameterValue': v} for k, v in kv.items()]

    def task_result(self, task, op):
        check(task.taskState == 'Success', f'{op}: task state {task.taskState}')
        check(task.result is not None, f'{op}: the finished task has no result')
        return task.result

    def cli_text(self, *argv):
        """A vvolctl command that prints the manual's text (the backup group): (exit code, stdout, stderr)."""
        env = dict(os.environ, VASA_PROVIDER_DATA=self.args.data)
        r = subprocess.run([self.args.node, self.args.cli, *argv], env=env, capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout, r.stderr

    def backup_state(self, vm_name, dc, want):
        """Polls `backup status` until the VM's data VVol shows `want` for its first generation, "-" for the second; gives the output."""
        deadline = time.time() + self.args.clone_timeout
        while True:
            code, out, err = self.cli_text('backup', 'status', vm_name, dc)
            check(code == 0, f'backup status exited {code}: {err.strip()}')
            data = out.split('data-vvol:', 1)[1] if 'data-vvol:' in out else out
            states = re.findall(r'^  Backup State: (.*)$', data, re.M)
            # Two generations, one backup so far: the never-backed-up generation took it, the other shows "-".
            if states == [f'{want} / -']:
                return out
            check(time.time() < deadline, f'backup status did not reach {want!r} in {self.args.clone_timeout} s: {states}')
            time.sleep(self.args.poll_interval)

    def profile(self, client, profile_id, generation, rules):
        """A StorageProfile as vCenter's policy editor sends it: one rule set, a capability per rule."""
        CapabilityInstance = client.get_type(f'{CAP_NS}CapabilityInstance')
        CapabilityId = client.get_type(f'{CAP_NS}CapabilityId')
        ConstraintInstance = client.get_type(f'{CAP_NS}ConstraintInstance')
        PropertyInstance = client.get_type(f'{CAP_NS}PropertyInstance')
        SubProfile = client.get_type(f'{PROF_NS}SubProfile')
        Constraints = client.get_type(f'{PROF_NS}CapabilityConstraints')
        StorageProfile = client.get_type(f'{PROF_NS}StorageProfile')
        caps = []
        for (cap_id, prop_id), value in rules:
            typed = xsd.AnyObject(xsd.Boolean(), value) if isinstance(value, bool) else \
                xsd.AnyObject(xsd.Int(), value) if isinstance(value, int) else xsd.AnyObject(xsd.String(), value)
            caps.append(CapabilityInstance(capabilityId=CapabilityId(id=cap_id, namespace=NEC_NS),
                                           constraint=[ConstraintInstance(propertyInstance=[PropertyInstance(id=prop_id, value=typed)])]))
        return StorageProfile(constraints=Constraints(subProfiles=[SubProfile(capability=caps, name='Rule-Set 1')]), createdBy='zeep',
                              creationTime='2026-01-01T00:00:00Z', generationId=generation, name=profile_id, profileId=profile_id)

    @staticmethod
    def offered(client_profile):
        """{(capability id, property id): value} of a capability profile."""
        got = {}
        for sp in (client_profile.constraints.subProfiles if client_profile.constraints else []) or []:
            for c in sp.capability:
                for ci in c.constraint:
                    for p in ci.propertyInstance:
                        got[(c.capabilityId.id, p.id)] = p.value
        return got

    def policy_flow(self, client, svc, array, containers):
        a = self.args

        self.step('queryCapabilityMetadata: the capability schema of com.nec.jp.ism.vasaprovider, its categories and rules')
        schemas = svc.queryCapabilityMetadata(schemaId=[NEC_NS])
        check(len(schemas) == 1 and schemas[0].schemaId == NEC_NS and schemas[0].namespaceInfo.namespace == NEC_NS, f'schemas {[s.schemaId for s in schemas]}')
        cats = schemas[0].capabilityMetadataPerCategory
        check([c.category for c in cats] == ['Performance', 'RAID', 'Security', 'Backup', 'I/O Control'], f'categories {[c.category for c in cats]}')
        rule = {}  # display name -> (capability id, property id), as the policy editor maps them
        for c in cats:
            for cm in c.capabilityMetadata:
                for pm in cm.propertyMetadata:
                    rule[pm.summary.label] = (cm.capabilityId.id, pm.id)
        for label in ('Physical Disk Type', 'RAID', 'Encrypt PD', 'Enable Backup', 'Backup Volume Automatic Deleted', 'The Number of Backup Generations',
                      'Enable I/O Upper Control', 'Enable I/O Lower Control', 'I/O Upper Control Limit (IOPS)', 'I/O Lower Control Limit (IOPS)'):
            check(label in rule, f'the schema has no rule {label!r}: {sorted(rule)}')

        self.step('queryCapabilityProfileForResource / queryCapabilityProfile: which container offers SSD and RAID1/10')
        offers = {}
        for c in containers:
            assoc = svc.queryCapabilityProfileForResource(resourceId=[c.uniqueIdentifier])
            check(len(assoc) == 1 and assoc[0].resourceId.lower() == c.uniqueIdentifier.lower(), f'capability profile of {c.name}: {assoc}')
            cp = svc.queryCapabilityProfile(profileId=[assoc[0].profileId])
            check(len(cp) == 1, f'queryCapabilityProfile {assoc[0].profileId}: {len(cp)} profiles')
            offers[c.uniqueIdentifier] = self.offered(cp[0])
        disk, raid = rule['Physical Disk Type'], rule['RAID']
        fast = [c for c in containers if offers[c.uniqueIdentifier].get(disk) == 'SSD' and offers[c.uniqueIdentifier].get(raid) == 'RAID1/10']
        slow = [c for c in containers if offers[c.uniqueIdentifier].get(disk) == 'NLSAS']
        check(len(fast) == 1 and len(slow) >= 1, f'containers and what they offer: {[(c.name, offers[c.uniqueIdentifier].get(disk), offers[c.uniqueIdentifier].get(raid)) for c in containers]}')
        fast, slow = fast[0], slow[0]

        # The pool's I/O upper control is on (iSM) so that a policy asking for it fits; the
        # compliance step below turns it off on the array.
        self.cli('array', 'poolmodify', fast.name, '--io-upper-mode', 'on')
        gold_rules = [(disk, 'SSD'), (raid, 'RAID1/10'), (rule['Enable Backup'], True), (rule['The Number of Backup Generations'], 2),
                      (rule['Backup Volume Automatic Deleted'], True), (rule['Enable I/O Upper Control'], True)]
        profile_id = f'zeep-gold-{uuid.uuid4().hex[:8]}'
        gold = self.profile(client, profile_id, 1, gold_rules)

        self.step('createVirtualVolume the config VVol with the profile (SSD + RAID1/10 + backup 2 generations + I/O upper control)')
        vm_id = str(uuid.uuid4())
        vm_name = f'zeep-pvm-{vm_id[:8]}'
        dc = 'Datacenter'
        cfg = self.task_result(svc.createVirtualVolume(containerId=fast.uniqueIdentifier, vvolType='Config', storageProfile=gold, sizeInMB=4096,
                                                       metadata=self.md(VMW_VmID=vm_id, VMW_VVolType='Config', VMW_VVolName=vm_name, VMW_ContainerId=fast.uniqueIdentifier)),
                               'createVirtualVolume config with a profile')
        self.created.append(cfg)

        self.step('spaceStatsForStorageContainer with the profile: only the container that satisfies it answers')
        answering = [c.name for c in containers if svc.spaceStatsForStorageContainer(containerId=c.uniqueIdentifier, capabilityProfileId=[profile_id])]
        check(answering == [fast.name], f'containers answering for the profile: {answering} (expected {[fast.name]})')

        self.step('createVirtualVolume a data VVol there with the profile: two backup volumes (RVs) appear, with the one-backup-pool alarm')
        data = self.task_result(svc.createVirtualVolume(containerId=fast.uniqueIdentifier, vvolType='Data', storageProfile=gold, sizeInMB=1024,
                                                        metadata=self.md(VMW_VmID=vm_id, VMW_VVolType='Data', VMW_VVolName=f'{vm_name}.vmdk', VMW_ContainerId=fast.uniqueIdentifier)),
                                'createVirtualVolume data with a profile')
        self.created.append(data)
        code, out, err = self.cli_text('backup', 'relation', vm_name, dc)
        check(code == 0, f'backup relation exited {code}: {err.strip()}')
        data_part = out.split(f'Disk File            : {vm_name}.vmdk', 1)
        check(len(data_part) == 2, f'backup relation does not list the data VVol:\n{out}')
        rv_list = data_part[1].split('--- RV List Information ---\nLDN(h)\n', 1)[1].split('\n\n', 1)[0].split()
        check(len(rv_list) == 2 and all(re.fullmatch(r'[0-9A-Fa-f]{4}', x) for x in rv_list), f'RVs of the data VVol: {rv_list}')
        alarms = svc.getAlarms(lastAlarmId=-1)
        texts = [p.parameterValue for al in alarms if al.objectId == data for p in al.parameterList or [] if p.parameterName == 'message']
        check(ONE_BACKUP_POOL_TEXT in texts, f'alarms for {data}: {texts} (expected {ONE_BACKUP_POOL_TEXT!r})')

        self.step('createVirtualVolume with the profile on the other container: InvalidProfile with the mismatch text (B11)')
        want = ('The specified datastore does not satisfy the rule(Physical Disk Type) in the storage policy for the virtual machines. '
                'The value of the datastore\'s capability is "NLSAS" while the value in the storage policy for the virtual machines is "SSD."')
        self.expect_fault('InvalidProfile', want, svc.createVirtualVolume, containerId=slow.uniqueIdentifier, vvolType='Data', storageProfile=gold, sizeInMB=1024,
                          metadata=self.md(VMW_VmID=vm_id, VMW_VVolType='Data', VMW_VVolName=f'{vm_name}_1.vmdk', VMW_ContainerId=slow.uniqueIdentifier))

        ComplianceSubject = client.get_type(f'{COMP_NS}ComplianceSubject')
        self.step('queryComplianceResult: the data VVol is compliant with the profile')
        res = svc.queryComplianceResult(compliance=[ComplianceSubject(generationId=1, objectId=[data], profileId=profile_id)])
        check(len(res) == 1 and res[0].objectId == data and res[0].complianceStatus == 'compliant' and res[0].profileMismatch is False, f'compliance {res}')

        self.step('the pool\'s I/O upper control turned off on the array: nonCompliant with the rule, and the Compliance alarm')
        before = max([al.alarmId for al in alarms] or [-1])
        self.cli('array', 'poolmodify', fast.name, '--io-upper-mode', 'off')
        res = svc.queryComplianceResult(compliance=[ComplianceSubject(objectId=[data])])
        check(len(res) == 1 and res[0].complianceStatus == 'nonCompliant', f'compliance after the pool change {res}')
        upper = rule['Enable I/O Upper Control']
        violated = [(v.expectedValue.capabilityId.id, self.offered_value(v.expectedValue), self.offered_value(v.currentValue)) for v in res[0].violatedPolicy or []]
        check((upper[0], True, False) in violated, f'violated policies {violated}')
        new = [al for al in svc.getAlarms(lastAlarmId=before) if al.alarmType == 'Compliance' and al.objectId == data]
        check(len(new) >= 1, 'no Compliance alarm for the data VVol')

        self.step('guest writes on the policy VVol; backup online through the CLI; backup status until Backup completed')
        self.write(data, 0, ['p0', 'p1', 'p2'])
        code, out, err = self.cli_text('backup', 'online', vm_name, dc)
        check(code == 0 and out.split('\n')[:3] == ['Start to check information of specified VM.', 'Start to back up the specified VM.',
                                                     f'Success to online backup VM({dc}/{vm_name}) without keeping consistency.'], f'backup online exited {code}: {out}{err}')
        status = self.backup_state(vm_name, dc, 'Backup completed')
        check(f'VM({dc}/{vm_name})' in status and re.search(r'^  Last Backup Time: \d{4}-', status, re.M), f'backup status:\n{status}')

        self.step('guest overwrites the VVol; backup restore through the CLI; the guest-I/O path reads the backed-up data')
        self.write(data, 0, ['x0', 'x1'])
        check(self.read(data, 0, 3) == ['x0', 'x1', 'p2'], 'the overwrite is not read back')
        code, out, err = self.cli_text('backup', 'restore', vm_name, dc, '--disk', f'{vm_name}.vmdk')
        check(code == 0, f'backup restore exited {code}: {out}{err}')
        self.backup_state(vm_name, dc, 'Restore completed')
        got = self.read(data, 0, 4)
        check(got == ['p0', 'p1', 'p2', None], f'after the restore the data VVol reads {got}')

    @staticmethod
    def offered_value(instance):
        return instance.constraint[0].propertyInstance[0].value

    # ------------------------------------------------------------------ the flow
    def run(self):
        a = self.args

        self.step('version.xml names VASA 2.0 and this endpoint')
        r = self.session(with_cert=False).get(urllib.parse.urljoin(self.url, '/version.xml'), timeout=10)
        check(r.status_code == 200, f'version.xml: HTTP {r.status_code}')
        doc = etree.fromstring(r.content)
        check(doc.tag == 'vasa-provider-info', f'version.xml root {doc.tag}')
        urls = [v.findtext('url') for v in doc.iter('version') if v.get('id') == '2.0']
        check(len(urls) == 1, f'version.xml lists {len(urls)} URLs for VASA 2.0')
        # The provider advertises the address vCenter should use; we may reach it by another one (loopback).
        adv, ours = urllib.parse.urlsplit(urls[0]), urllib.parse.urlsplit(self.url)
        check((adv.scheme, adv.port, adv.path) == (ours.scheme, ours.port, ours.path), f'version.xml URL {urls[0]} is not this endpoint {self.url}')
        if adv.hostname != ours.hostname:
            print(f'     version.xml advertises {urls[0]}', flush=True)

        self.step('load the WSDL over HTTPS and bind the SOAP %s port' % a.soap)
        http = self.session()
        client, svc = self.client(http)
        check(client.wsdl.services['vasaService'] is not None, 'no vasaService in the WSDL')

        self.step('registerVASACertificate with a bad login: InvalidLogin')
        with open(a.cert) as f:
            pem = f.read()
        self.expect_fault('InvalidLogin', None, svc.registerVASACertificate, userName=a.user, password=a.password + 'x', newCertificate=pem)

        self.step('a call without a session: InvalidSession')
        self.expect_fault('InvalidSession', None, svc.queryArrays)

        self.step('registerVASACertificate with the provider account')
        info = svc.registerVASACertificate(userName=a.user, password=a.password, newCertificate=pem)
        check(info.vasaApiVersion == '2.0' and info.uid, f'VasaProviderInfo {info}')

        self.step('setContext as an ESXi host (hostGuid, iSCSI initiator)')
        host_guid = f'host-{uuid.uuid4()}'
        iqn = f'iqn.1998-01.com.vmware:{a.host_name}-{uuid.uuid4().hex[:8]}'
        ctx_type = client.get_type('{http://data.vasa.vim.vmware.com/xsd}UsageContext')
        initiator_type = client.get_type('{http://data.vasa.vim.vmware.com/xsd}HostInitiatorInfo')
        ctx = ctx_type(hostGuid=host_guid, hostInitiator=[initiator_type(uniqueIdentifier=iqn, iscsiIdentifier=iqn)],
                       hostIoIpAddress=['192.0.2.77'], sessionTimeoutInSeconds=600)
        info = svc.setContext(usageContext=ctx)
        session_id = info.sessionId
        check(session_id and len(session_id) >= 16, f'setContext gave session id {session_id!r}')
        cookie = http.cookies.get('VASASESSIONID')
        check(cookie == session_id, f'Set-Cookie VASASESSIONID={cookie!r} differs from VasaProviderInfo.sessionId {session_id!r}')
        check(info.maxBatchSize and int(info.maxBatchSize) >= 1, 'no maxBatchSize advertised')
        env_ns = 'http://www.w3.org/2003/05/soap-envelope' if a.soap == '1.2' else 'http://schemas.xmlsoap.org/soap/envelope/'
        sent, got = self.history.last_sent['envelope'], self.history.last_received['envelope']
        check(etree.QName(sent).namespace == env_ns and etree.QName(got).namespace == env_ns,
              f'SOAP {a.soap}: sent a {etree.QName(sent).namespace} envelope, got a {etree.QName(got).namespace} one')
        ctype = self.history.last_received['http_headers'].get('Content-Type', '')
        check(ctype.startswith('application/soap+xml' if a.soap == '1.2' else 'text/xml'), f'SOAP {a.soap} answered with Content-Type {ctype}')
        # send it as vvold and vCenter do: a Cookie header
        http.cookies.clear()
        http.headers['Cookie'] = f'VASASESSIONID={session_id}'

        self.step('queryArrays')
        arrays = svc.queryArrays()
        check(len(arrays) >= 1, 'no arrays')
        array = arrays[0]
        check(array.uniqueIdentifier.startswith('StorageArray:') and 'VirtualVolumeProfile' in array.supportedProfile, f'array {array}')

        self.step('queryStorageContainer and queryStorageContainerForArray')
        containers = svc.queryStorageContainer()
        check(len(containers) >= 2, f'{len(containers)} containers')
        ctr = containers[0]
        ctr_other = containers[1]
        check(len(ctr.uniqueIdentifier) == 36 and ctr.maxVvolSizeMB > 0 and ctr.protocolEndPointType == 'SCSI', f'container {ctr}')
        ids = svc.queryStorageContainerForArray(arrayId=array.uniqueIdentifier)
        check(set(ids) >= {c.uniqueIdentifier for c in containers}, f'containers of the array {ids}')

        self.step('queryProtocolEndpointForArray: this host sees its PEs')
        pes = svc.queryProtocolEndpointForArray(arrayId=array.uniqueIdentifier)
        check(len(pes) >= 1 and all(p.startswith('eui.') for p in pes), f'PEs {pes}')

        self.step('createVirtualVolume config, data and swap with vSphere metadata; N4 ids naa.6...')
        vm_id = str(uuid.uuid4())
        vm_name = f'zeep-vm-{vm_id[:8]}'
        ctr_hex = ctr.uniqueIdentifier.replace('-', '')
        ds_path = f'/vmfs/volumes/vvol:{ctr_hex[:16]}-{ctr_hex[16:]}'
        vv = {}
        ns_path = None
        for vtype, name, size in (('Config', vm_name, 4096), ('Data', f'{vm_name}.vmdk', 1024), ('Swap', f'{vm_name}.vswp', 1024)):
            md = dict(VMW_VmID=vm_id, VMW_VVolType=vtype, VMW_VVolName=name, VMW_ContainerId=ctr.uniqueIdentifier)
            if ns_path:
                md['VMW_VVolNamespace'] = ns_path
            task = svc.createVirtualVolume(containerId=ctr.uniqueIdentifier, vvolType=vtype, sizeInMB=size, metadata=self.md(**md))
            vid = self.task_result(task, 'createVirtualVolume')
            # N4 (3.1.3): naa.6 + WWN digits 5-10 + 000000000 + last 12 WWN digits + LD number; the container
            # UUID (vvol:6xxxxxx000000000-yyyyyyyyyyyyzzzz) carries the same WWN digits.
            check(isinstance(vid, str) and re.fullmatch(r'naa\.6[0-9a-f]{31}', vid) is not None, f'createVirtualVolume result {vid!r}')
            check(vid[4:20] == ctr_hex[:16] and vid[20:32] == ctr_hex[16:28], f'{vid} and the container {ctr.uniqueIdentifier} do not share the WWN digits')
            again = svc.getTaskUpdate(taskId=task.taskId)
            check(again.taskState == 'Success' and again.result == vid, f'getTaskUpdate of the create task: {again.taskState} {again.result}')
            vv[vtype] = vid
            self.created.append(vid)
            if vtype == 'Config':
                # As vSphere does: the VM's folder in the datastore is named after its config-VVol.
                ns_path = f'{ds_path}/{vid}'
                svc.updateVirtualVolumeMetaData(vvolId=vid, keyValuePair=self.md(VMW_VVolNamespace=ns_path))

        self.step('N4: the disk file path [container] naa.6.../disk.vmdk leads the admin to the config-VVol\'s LD')
        shown = self.cli('array', 'vvol', 'show', f'[{ctr.name}] {vv["Config"]}/{vm_name}.vmdk')
        check(shown.get('vvolId') == vv['Config'] and shown.get('ldn') == int(vv['Config'][-4:], 16), f'vvol show of the disk path: {shown}')

        self.step('queryVirtualVolume by VMW_VmID and queryVirtualVolumeInfo')
        QueryConstraint = client.get_type('{http://vvol.data.vasa.vim.vmware.com/xsd}QueryConstraint')
        found = svc.queryVirtualVolume(searchConstraint=[QueryConstraint(key='VMW_VmID', value=vm_id)])
        check(sorted(found) == sorted(vv.values()), f'queryVirtualVolume found {found}')
        infos = svc.queryVirtualVolumeInfo(vvolId=[vv['Data']])
        md = {m.parameterName: m.parameterValue for m in infos[0].metadata}
        check(md.get('VMW_VVolName') == f'{vm_name}.vmdk' and md.get('VMW_VVolType') == 'Data' and md.get('VMW_VVolNamespace') == ns_path, f'metadata {md}')

        self.step('bindVirtualVolume: a batch with a per-item fault for an unknown VVol')
        unknown = vv['Data'][:-4] + 'fff0'  # the id LD FFF0h would have: no such LD
        res = svc.bindVirtualVolume(vvolId=[vv['Config'], vv['Data'], unknown], bindContext='Normal')
        check(len(res) == 3, f'{len(res)} bind results')
        handles = {}
        for item in res[:2]:
            check(item.fault is None and item.vvolHandle is not None, f'bind of {item.vvolId} failed: {item.fault}')
            h = item.vvolHandle
            check(h.peInBandId.lunId in pes and h.vvolSecondaryId, f'handle {h}')
            handles[item.vvolId] = h
        check(res[2].vvolId == unknown and res[2].fault is not None and res[2].vvolHandle is None, f'unknown VVol item {res[2]}')

        self.step('guest writes on the data VVol (admin CLI guest I/O)')
        self.write(vv['Data'], 0, ['g0', 'g1', 'g2', 'g3'])

        self.step('allocatedBitmapVirtualVolume')
        bm = svc.allocatedBitmapVirtualVolume(vvolId=vv['Data'], segmentStartOffsetBytes=0, segmentLengthBytes=16 * MiB, chunkSizeBytes=MiB)
        check(self.bits(bm) == '1111000000000000', f'allocated bitmap {self.bits(bm)}')

        self.step('prepareToSnapshotVirtualVolume and snapshotVirtualVolume (a batch)')
        prep = self.task_result(svc.prepareToSnapshotVirtualVolume(vvolId=vv['Data']), 'prepareToSnapshotVirtualVolume')
        snap = prep.snapshotId
        check(re.fullmatch(r'naa\.6[0-9a-f]{31}', snap) is not None and prep.parentInfo.vvolId == vv['Data'] and prep.parentStats.logical == 1024, f'PrepareSnapshotResult {prep}')
        prep_cfg = self.task_result(svc.prepareToSnapshotVirtualVolume(vvolId=vv['Config']), 'prepareToSnapshotVirtualVolume')
        VirtualVolumeInfo = client.get_type('{http://vvol.data.vasa.vim.vmware.com/xsd}VirtualVolumeInfo')
        st = svc.snapshotVirtualVolume(snapshotInfo=[
            VirtualVolumeInfo(vvolId=snap, metadata=self.md(VMW_VVolName=f'{vm_name}-000001.vmdk')),
            VirtualVolumeInfo(vvolId=prep_cfg.snapshotId, metadata=self.md(VMW_VVolName=f'{vm_name}-000001')),
        ], timeoutMS=10000)
        check([s.uniqueId for s in st] == [snap, prep_cfg.snapshotId] and all(s.errorResult is None for s in st), f'snapshot results {st}')
        self.created += [snap, prep_cfg.snapshotId]

        self.step('more guest writes; unsharedBitmapVirtualVolume and unsharedChunksVirtualVolume against the snapshot')
        self.write(vv['Data'], 1, ['h1'])
        self.write(vv['Data'], 8, ['h8'])
        ub = svc.unsharedBitmapVirtualVolume(vvolId=vv['Data'], baseVvolId=snap, segmentStartOffsetBytes=0, segmentLengthBytes=16 * MiB, chunkSizeBytes=MiB)
        check(self.bits(ub) == '0100000010000000', f'unshared bitmap {self.bits(ub)}')
        uc = svc.unsharedChunksVirtualVolume(vvolId=vv['Data'], baseVvolId=snap, segmentStartOffsetBytes=0, segmentLengthBytes=16 * MiB)
        check(uc.unsharedChunks == 2 and uc.scannedChunks == 16 and uc.chunkSizeBytes == MiB, f'unshared chunks {uc}')

        self.step('unbind the data VVol, revertVirtualVolume, read back')
        UnbindHandle = client.get_type('{http://vvol.data.vasa.vim.vmware.com/xsd}VirtualVolumeHandle')
        h = handles[vv['Data']]
        ur = svc.unbindVirtualVolume(vvolHandle=[UnbindHandle(uniqueIdentifier=vv['Data'], peInBandId=h.peInBandId, vvolSecondaryId=h.vvolSecondaryId)], unbindContext='Normal')
        check(len(ur) == 1 and ur[0].uniqueId == vv['Data'] and ur[0].errorResult is None, f'unbind {ur}')
        rv = svc.revertVirtualVolume(vvolId=vv['Data'], snapshotVvolId=snap)
        check(rv.taskState == 'Success', f'revert task {rv.taskState}')
        got = self.read(vv['Data'], 0, 9)
        check(got == ['g0', 'g1', 'g2', 'g3', None, None, None, None, None], f'after revert the data VVol reads {got}')

        self.step('fastCloneVirtualVolume (linked clone) and read back')
        clone_vm = str(uuid.uuid4())
        fc = self.task_result(svc.fastCloneVirtualVolume(vvolId=vv['Data'], metadata=self.md(VMW_VmID=clone_vm, VMW_VVolType='Data', VMW_VVolName='linked.vmdk', VMW_ContainerId=ctr.uniqueIdentifier)), 'fastCloneVirtualVolume')
        check(re.fullmatch(r'naa\.6[0-9a-f]{31}', fc) is not None, f'fast clone id {fc}')
        self.created.append(fc)
        check(self.read(fc, 0, 4) == ['g0', 'g1', 'g2', 'g3'], 'the linked clone does not read as its source')

        self.step('cloneVirtualVolume (full clone into the other container) polled with getTaskUpdate')
        task = svc.cloneVirtualVolume(vvolId=vv['Data'], newContainerId=ctr_other.uniqueIdentifier,
                                      metadata=self.md(VMW_VmID=str(uuid.uuid4()), VMW_VVolType='Data', VMW_VVolName='full.vmdk', VMW_ContainerId=ctr_other.uniqueIdentifier))
        check(task.taskState in ('Queued', 'Running', 'Success'), f'clone task state {task.taskState}')
        deadline = time.time() + a.clone_timeout
        last_progress = -1
        polls = 0
        while task.taskState in ('Queued', 'Running'):
            check(time.time() < deadline, f'the clone task did not finish in {a.clone_timeout} s (progress {task.progress})')
            time.sleep(a.poll_interval)
            task = svc.getTaskUpdate(taskId=task.taskId)
            polls += 1
            check(task.progress >= last_progress, f'progress went back from {last_progress} to {task.progress}')
            last_progress = task.progress
        full = self.task_result(task, 'cloneVirtualVolume')
        check(task.progress == 100 and re.fullmatch(r'naa\.6[0-9a-f]{31}', full) is not None, f'finished clone task {task}')
        self.created.append(full)
        check(self.read(full, 0, 4) == ['g0', 'g1', 'g2', 'g3'], 'the full clone does not read as its source')
        print(f'     clone finished after {polls} polls', flush=True)

        self.step('spaceStatsForStorageContainer and spaceStatsForVirtualVolume')
        cs = svc.spaceStatsForStorageContainer(containerId=ctr.uniqueIdentifier)
        check(len(cs) == 1 and cs[0].physicalTotal > 0 and cs[0].physicalFree + cs[0].physicalUsed == cs[0].physicalTotal and cs[0].logicalUsed >= 6144, f'container stats {cs}')
        vs = svc.spaceStatsForVirtualVolume(vvolId=[vv['Data'], vv['Swap']])
        check([s.objectId for s in vs] == [vv['Data'], vv['Swap']] and vs[0].logical == 1024 and vs[0].committed >= 4, f'VVol stats {vs}')

        self.step('getEvents since -1 and since a sequence; getAlarms')
        events = svc.getEvents(lastEventId=-1)
        check(len(events) > 0, 'no events')
        seq = [e.eventId for e in events]
        check(seq == sorted(seq), f'event ids out of order {seq}')
        later = svc.getEvents(lastEventId=seq[0])
        check([e.eventId for e in later] == [s for s in seq if s > seq[0]][:len(later)], 'getEvents since an id')
        check(svc.getEvents(lastEventId=seq[-1]) == [], 'getEvents since the last id is not empty')
        svc.getAlarms(lastAlarmId=-1)

        self.step('faults: a VVol that does not exist (an N4 id of no LD, an rfc4122 id we never issue); a malformed id')
        for missing in (unknown, f'rfc4122.{uuid.uuid4()}'):
            self.expect_fault('NotFound', f'The specified {missing} does not exist.', svc.deleteVirtualVolume, vvolId=missing)
            self.expect_fault('NotFound', f'The specified {missing} does not exist.', svc.prepareToSnapshotVirtualVolume, vvolId=missing)
        self.expect_fault('InvalidArgument', 'vvolId "not-a-vvol" is not a VVol id (naa.6 and 31 hexadecimal digits).', svc.deleteVirtualVolume, vvolId='not-a-vvol')

        self.step('faults: the 257th snapshot generation')
        base_task = svc.createVirtualVolume(containerId=ctr.uniqueIdentifier, vvolType='Data', sizeInMB=1024,
                                            metadata=self.md(VMW_VVolType='Data', VMW_VVolName='many-snapshots.vmdk', VMW_ContainerId=ctr.uniqueIdentifier))
        base = self.task_result(base_task, 'createVirtualVolume')
        self.created.append(base)
        batch_max = int(info.maxBatchSize)
        prepared = []
        for i in range(256):
            prepared.append(self.task_result(svc.prepareToSnapshotVirtualVolume(vvolId=base), 'prepareToSnapshotVirtualVolume').snapshotId)
            if len(prepared) == batch_max or i == 255:
                st = svc.snapshotVirtualVolume(snapshotInfo=[VirtualVolumeInfo(vvolId=s) for s in prepared], timeoutMS=60000)
                check(all(s.errorResult is None for s in st), f'snapshot batch: {[s for s in st if s.errorResult is not None][:1]}')
                prepared = []
        self.expect_fault('SnapshotTooMany', SNAPSHOT_LIMIT_TEXT, svc.prepareToSnapshotVirtualVolume, vvolId=base)

        self.step('faults: a locked snapshot licence')
        self.cli('array', 'licence', 'lock', 'snapshot')
        try:
            self.expect_fault('StorageFault', 'The license for snapshot is locked.', svc.prepareToSnapshotVirtualVolume, vvolId=vv['Swap'])
        finally:
            self.cli('array', 'licence', 'unlock', 'snapshot')
        swap_snap = self.task_result(svc.prepareToSnapshotVirtualVolume(vvolId=vv['Swap']), 'prepareToSnapshotVirtualVolume after unlocking').snapshotId

        self.step('unbindVirtualVolume the config VVol')
        h = handles[vv['Config']]
        ur = svc.unbindVirtualVolume(vvolHandle=[UnbindHandle(uniqueIdentifier=vv['Config'], peInBandId=h.peInBandId, vvolSecondaryId=h.vvolSecondaryId)], unbindContext='Normal')
        check(ur[0].errorResult is None, f'unbind config {ur}')

        self.step('deleteVirtualVolume the clones, the snapshots, then the VM\'s VVols; they are gone')
        # Snapshots are deleted in the background (NEC): their base answers ResourceInUse until that
        # finished, so a base is retried for a while, as a client would.
        for vid in (full, fc, swap_snap, vv['Swap'], prep_cfg.snapshotId, vv['Config'], snap, vv['Data']):
            deadline = time.time() + a.clone_timeout
            while True:
                try:
                    svc.deleteVirtualVolume(vvolId=vid)
                    break
                except Fault as f:
                    busy = f.detail is not None and len(f.detail) and etree.QName(f.detail[0]).localname == 'ResourceInUse'
                    if not busy or time.time() > deadline:
                        raise StepFailed(f'deleteVirtualVolume {vid}: {f.message}')
                    time.sleep(a.poll_interval)
        self.expect_fault('NotFound', f'The specified {vv["Config"]} does not exist.', svc.deleteVirtualVolume, vvolId=vv['Config'])
        left = svc.queryVirtualVolume(searchConstraint=[QueryConstraint(key='VMW_VmID', value=vm_id)])
        check(vv['Config'] not in left and vv['Swap'] not in left, f'still there: {left}')

        self.policy_flow(client, svc, array, containers)

        print(f'OK: {self.steps} steps over SOAP {a.soap} in {time.time() - self.started:.1f} s', flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--url', required=True, help='service URL (…/vasa/services/vasaService)')
    p.add_argument('--user', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--data', required=True, help="the provider's data folder (for guest I/O and licences through vvolctl)")
    p.add_argument('--soap', choices=['1.1', '1.2'], default='1.1')
    p.add_argument('--cert', help='client certificate (PEM); made when absent')
    p.add_argument('--key', help='its key (PEM)')
    p.add_argument('--cafile', help='the provider certificate to verify against (default: no verification)')
    p.add_argument('--cli', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'dist', 'admin', 'cli.js'))
    p.add_argument('--node', default='node')
    p.add_argument('--host-name', default='esx-zeep')
    p.add_argument('--clone-timeout', type=float, default=120.0)
    p.add_argument('--poll-interval', type=float, default=0.2)
    args = p.parse_args()
    if not args.cert:
        tmp = tempfile.mkdtemp(prefix='vasa-zeep-')
        args.cert, args.key = os.path.join(tmp, 'client.crt'), os.path.join(tmp, 'client.key')
        # A client certificate, not a CA: the provider refuses CA certificates as client
        # certificates (openssl's default for -x509 is CA:TRUE).
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', '/CN=zeep-vcenter',
                        '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
                        '-addext', 'extendedKeyUsage=clientAuth', '-keyout', args.key, '-out', args.cert], check=True, capture_output=True)
    flow = Flow(args)
    try:
        flow.run()
    except StepFailed as e:
        print(f'FAILED at step {flow.steps} ({flow.step_name}): {e}', file=sys.stderr, flush=True)
        sys.exit(1)
    except Fault as e:
        detail = etree.tostring(e.detail).decode() if e.detail is not None else ''
        print(f'FAILED at step {flow.steps} ({flow.step_name}): unexpected SOAP fault: {e.message} {detail}', file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - any other failure is a failed flow, with its cause
        print(f'FAILED at step {flow.steps} ({flow.step_name}): {type(e).__name__}: {e}', file=sys.stderr, flush=True)
        sys.exit(1)


if __name__ == '__main__':
    main()
