# The example code location's image for the acc environment, in dagster-uc's style.
FROM python:3.11-slim
ARG BRANCH_NAME
ARG DIR="/opt/dagster/app"
WORKDIR $DIR
COPY pyproject.toml ./
RUN pip install --no-cache-dir "dagster==1.11.16" "dagster-k8s" "dagster-postgres"
COPY example example
ENV BRANCH_NAME=${BRANCH_NAME}
ENV DAGSTER_ENVIRONMENT=acc
