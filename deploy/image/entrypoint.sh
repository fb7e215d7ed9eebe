#!/usr/bin/env bash
# Entrypoint of claims-adjudicator/kafka: a single Apache Kafka node configured the way the
# official apache/kafka image is - through environment variables:
#
#   KAFKA_<NAME>=value  ->  <name>=value in server.properties, where <NAME> is the property name
#                           upper-cased with '.' -> '_', '_' -> '__', '-' -> '___'
#                           e.g. KAFKA_ADVERTISED_LISTENERS -> advertised.listeners,
#                                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP -> listener.security.protocol.map
#   CLUSTER_ID              KRaft cluster id used to format the storage on first start
#   KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_JVM_PERFORMANCE_OPTS   JVM flags (not properties)
#   KAFKA_LOG4J_ROOT_LOGLEVEL  root log level (INFO)
#   KAFKA_SCRAM_CREDENTIALS_FILE  a mounted file of SCRAM credentials created when the storage is
#                           formatted (first start only), one a line in kafka-storage's syntax,
#                           e.g. SCRAM-SHA-512=[name=alice,password=secret]; blank lines and
#                           lines starting with '#' are skipped. A file, never an env value: the
#                           passwords reach the format tool through an argument file read from a
#                           pipe, so they are neither printed nor on a process command line.
#
# TLS and SASL go through the generic mapping. PEM files work as key/trust stores (Kafka 4.3.1
# reads one PKCS#8 private key, "BEGIN PRIVATE KEY" unencrypted or "BEGIN ENCRYPTED PRIVATE KEY"
# with ssl.key.password, RSA/DSA/EC, followed by its certificate chain in the keystore file; a
# PKCS#1 "BEGIN RSA PRIVATE KEY" does not load). E.g. an SSL listener MTLS that requires client
# certificates and a SASL_SSL listener SASL with SCRAM-SHA-512:
#
#   KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL:SASL_SSL,MTLS:SSL
#   KAFKA_SSL_KEYSTORE_TYPE=PEM  KAFKA_SSL_KEYSTORE_LOCATION=/etc/kafka/tls/broker-keystore.pem
#   KAFKA_SSL_TRUSTSTORE_TYPE=PEM  KAFKA_SSL_TRUSTSTORE_LOCATION=/etc/kafka/tls/ca.pem
#   KAFKA_LISTENER_NAME_MTLS_SSL_CLIENT_AUTH=required      -> listener.name.mtls.ssl.client.auth
#   KAFKA_SASL_ENABLED_MECHANISMS=SCRAM-SHA-512
#   KAFKA_LISTENER_NAME_SASL_SCRAM___SHA___512_SASL_JAAS_CONFIG='org.apache.kafka.common.security.scram.ScramLoginModule required;'
#                                         -> listener.name.sasl.scram-sha-512.sasl.jaas.config
#   KAFKA_SCRAM_CREDENTIALS_FILE=/etc/kafka/scram-credentials
#
# (listener names without '_' keep the env names readable: SASL_SSL as a name would be SASL__SSL).
# Values of properties that hold secrets (*password*, *jaas.config, *secret*, ssl.keystore.key)
# are hidden in the server.properties echo below.
#
# Unlike the official image, environment properties are merged over defaults for a single-node
# KRaft combined broker+controller, so a bare `docker run` gives a usable development broker.
# If KAFKA_LISTENERS is not given it is derived from KAFKA_ADVERTISED_LISTENERS with hosts
# replaced by 0.0.0.0 (as the official image does), plus the controller listener.
# The broker logs "[KafkaRaftServer nodeId=N] Kafka Server started" when it is ready.
set -euo pipefail

KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"
CONFIG="$KAFKA_HOME/config/server.properties"
export CLUSTER_ID="${CLUSTER_ID:-ihs3h4LnQyaQSceb-ok9mA}"

# Variables with the KAFKA_ prefix that configure the launcher, not the broker.
declare -A EXCLUDES=()
for name in KAFKA_VERSION KAFKA_HOME KAFKA_HEAP_OPTS KAFKA_HEAP_OPT KAFKA_LOG4J_OPTS KAFKA_OPTS \
  KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL \
  KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME \
  KAFKA_SCRAM_CREDENTIALS_FILE; do
  EXCLUDES[$name]=1
done

# env name (without KAFKA_) -> property name
to_property() {
  local s="${1,,}"
  s="${s//___/$'\x01'}"
  s="${s//__/$'\x02'}"
  s="${s//_/.}"
  s="${s//$'\x01'/-}"
  s="${s//$'\x02'/_}"
  printf '%s' "$s"
}

declare -A props=(
  [process.roles]="broker,controller"
  [node.id]="1"
  [controller.quorum.voters]="1@localhost:9093"
  [listeners]="PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093"
  [advertised.listeners]="PLAINTEXT://localhost:9092"
  [listener.security.protocol.map]="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  [inter.broker.listener.name]="PLAINTEXT"
  [controller.listener.names]="CONTROLLER"
  [log.dirs]="/var/lib/kafka/data"
  [num.partitions]="1"
  [default.replication.factor]="1"
  [min.insync.replicas]="1"
  [offsets.topic.replication.factor]="1"
  [transaction.state.log.replication.factor]="1"
  [transaction.state.log.min.isr]="1"
  [share.coordinator.state.topic.replication.factor]="1"
  [share.coordinator.state.topic.min.isr]="1"
  [auto.create.topics.enable]="false"
  [group.initial.rebalance.delay.ms]="0"
  # One node: a controlled shutdown has no broker to hand leadership to. It only unregisters
  # this one first, and a transaction committing meanwhile then loses its markers ("Couldn't
  # find leader endpoint ... skipped", Kafka 4.3.1): its records hang until the producer's next
  # transaction commits them too (duplicates). Without it, an open commit stays PrepareCommit in
  # the transaction log and the coordinator completes it on start. Set it back for a cluster.
  [controlled.shutdown.enable]="false"
)

# Dynamic quorum (KIP-853): bootstrap servers instead of static voters, formatted --standalone.
FORMAT_ARGS=()
if [[ -n "${KAFKA_CONTROLLER_QUORUM_BOOTSTRAP_SERVERS:-}" && -z "${KAFKA_CONTROLLER_QUORUM_VOTERS:-}" ]]; then
  unset 'props[controller.quorum.voters]'
  FORMAT_ARGS+=(--standalone)
fi

# Official behaviour: listeners default to the advertised ones bound to all interfaces.
if [[ -z "${KAFKA_LISTENERS:-}" && -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
  # shellcheck disable=SC2001  # a regex, not a fixed string
  KAFKA_LISTENERS="$(sed -e 's|://[^:]*:|://0.0.0.0:|g' <<<"$KAFKA_ADVERTISED_LISTENERS")"
  roles="${KAFKA_PROCESS_ROLES:-${props[process.roles]}}"
  ctl="${KAFKA_CONTROLLER_LISTENER_NAMES:-${props[controller.listener.names]}}"
  ctl="${ctl%%,*}"
  if [[ "$roles" == *controller* && "$KAFKA_LISTENERS" != *"$ctl://"* ]]; then
    KAFKA_LISTENERS="$KAFKA_LISTENERS,$ctl://0.0.0.0:9093"
  fi
  export KAFKA_LISTENERS
fi

while IFS= read -r name; do
  [[ "$name" == KAFKA_* ]] || continue
  [[ -n "${EXCLUDES[$name]:-}" ]] && continue
  props["$(to_property "${name#KAFKA_}")"]="${!name}"
done < <(compgen -e)

{
  echo "# generated by $0 from defaults and KAFKA_* environment variables"
  for key in "${!props[@]}"; do
    printf '%s=%s\n' "$key" "${props[$key]}"
  done | sort
} >"$CONFIG"
# Secrets never reach the log: such values are shown as <hidden>.
is_secret() {
  case "$1" in
    *password* | *jaas.config | *secret* | *ssl.keystore.key) return 0 ;;
    *) return 1 ;;
  esac
}
echo "===> server.properties:"
for key in "${!props[@]}"; do
  if is_secret "$key"; then printf '     %s=<hidden>\n' "$key"; else printf '     %s=%s\n' "$key" "${props[$key]}"; fi
done | sort

# SCRAM credentials for the format call (--add-scram each), from a file, never an env value.
SCRAM_ARGS=()
if [[ -n "${KAFKA_SCRAM_CREDENTIALS_FILE:-}" ]]; then
  if [[ ! -r "$KAFKA_SCRAM_CREDENTIALS_FILE" ]]; then
    echo "entrypoint: ERROR: KAFKA_SCRAM_CREDENTIALS_FILE=$KAFKA_SCRAM_CREDENTIALS_FILE is not a readable file" >&2
    exit 1
  fi
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%$'\r'}"
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [[ -z "$line" || "$line" == '#'* ]] && continue
    SCRAM_ARGS+=(--add-scram "$line")
  done <"$KAFKA_SCRAM_CREDENTIALS_FILE"
fi

CP="$KAFKA_HOME/libs/*"
LOG4J="-Dlog4j2.configurationFile=$KAFKA_HOME/config/log4j2.xml"
LEVEL="-Dkafka.log.level=${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}"

# KRaft: format the first log dir once (kept across container stop/start).
first_dir="${props[log.dirs]%%,*}"
if [[ ! -f "$first_dir/meta.properties" ]]; then
  echo "===> formatting $first_dir with cluster id $CLUSTER_ID" \
    "($((${#SCRAM_ARGS[@]} / 2)) SCRAM credential(s))"
  # The arguments go through a java @argument file on a pipe (main class included: the launcher
  # expands @files only before the main class), so no password is on a command line; the tool's
  # echo of the bootstrap records (salted SCRAM keys) is not shown.
  java -cp "$CP" "$LOG4J" -Dkafka.log.level=WARN @<(
    for arg in kafka.tools.StorageTool format --ignore-formatted --cluster-id "$CLUSTER_ID" \
      --config "$CONFIG" "${FORMAT_ARGS[@]}" "${SCRAM_ARGS[@]}"; do
      arg="${arg//\\/\\\\}"
      printf '"%s"\n' "${arg//\"/\\\"}"
    done
  ) | sed -e '/UserScramCredentialRecord/c\
Bootstrap metadata: (not shown: it holds SCRAM credentials)'
elif [[ ${#SCRAM_ARGS[@]} -gt 0 ]]; then
  echo "===> $first_dir is formatted already: KAFKA_SCRAM_CREDENTIALS_FILE is not applied again"
fi

echo "===> starting Apache Kafka ${KAFKA_VERSION:-}"
# shellcheck disable=SC2086  # the *_OPTS variables are lists of JVM flags
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} \
  "$LOG4J" "$LEVEL" ${KAFKA_OPTS:-} \
  -cp "$CP" kafka.Kafka "$CONFIG"
