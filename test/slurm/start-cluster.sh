#!/bin/bash
# A single-node Slurm cluster on this machine, exactly as /work/shared/recipes/slurm-single-node.md
# sets it up (Debian 12, root). Prints, as its last line, the daemons it started with their process
# ids (`started munged=PID slurmctld=PID slurmd=PID`, only those it started), so that the test
# stops those and nothing else. Any failure exits non-zero with the reason on stderr.
set -euo pipefail
fail() { echo "start-cluster: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get, munge, slurmctld)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/tmp/segscope-slurm-apt.log 2>&1; then
    # an image without package lists: update them, then install
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>/tmp/segscope-slurm-apt.log 2>&1 || fail "apt-get update failed: $(tail -3 /tmp/segscope-slurm-apt.log)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >>/tmp/segscope-slurm-apt.log 2>&1 || fail "apt-get install slurmctld slurmd slurm-client munge failed: $(tail -3 /tmp/segscope-slurm-apt.log)"
  fi
fi

started=""
# munge: the authentication Slurm needs
[ -f /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! pgrep -x munged >/dev/null; then
  su -s /bin/sh munge -c /usr/sbin/munged || fail "munged did not start"
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  pid=$(cat /run/munge/munged.pid 2>/dev/null || pgrep -x -n munged)
  started="$started munged=$pid"
fi
# one node, this machine, all its cores
H=$(hostname -s); MEM=$(awk '/MemTotal/{print int($2/1024)-1024}' /proc/meminfo)
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=local
SlurmctldHost=$H
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
NodeName=$H CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=main Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
pidof_daemon() { # the pid file the daemon wrote, else the newest process of that exact name
  local file=$1 name=$2
  for _ in $(seq 50); do [ -s "$file" ] && break; sleep 0.1; done
  cat "$file" 2>/dev/null || pgrep -x -n "$name"
}
if ! pgrep -x slurmctld >/dev/null; then
  slurmctld || fail "slurmctld did not start: $(tail -3 /var/log/slurm/slurmctld.log 2>/dev/null)"
  started="$started slurmctld=$(pidof_daemon /run/slurmctld.pid slurmctld)"
fi
if ! pgrep -x slurmd >/dev/null; then
  slurmd || fail "slurmd did not start: $(tail -3 /var/log/slurm/slurmd.log 2>/dev/null)"
  started="$started slurmd=$(pidof_daemon /run/slurmd.pid slurmd)"
fi
# wait (bounded) for the node to be idle
for _ in $(seq 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -qx 'idle'; then break; fi
  sleep 0.5
done
sinfo -h -o '%P %a %t %N' >&2 || true
sinfo -h -o '%t' | grep -qx 'idle' || fail "the node did not become idle: $(sinfo -h 2>&1 | head -2); slurmctld log: $(tail -3 /var/log/slurm/slurmctld.log 2>/dev/null)"
echo "started$started"
